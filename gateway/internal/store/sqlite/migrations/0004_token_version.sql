-- Every API token carries the token_version its user had when it was
-- issued; a token whose version is older is refused. The store bumps it on
-- every change of password, second factor, role or disabled state, and on
-- sign-out, so all earlier tokens end at once.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
