-- Issue 14: the audit page filters by user and by action (or action group)
-- and pages newest first by seq; these indexes keep those queries off a
-- full scan of the chain.
CREATE INDEX audit_actor_seq ON audit (actor, seq);
CREATE INDEX audit_action_seq ON audit (action, seq);
