// What each scope means in plain words, and whether an action on a session
// is possible right now (and if not, why).

import type { Role, Scope, Session } from './api';

export const SCOPE_TITLES: Record<Scope, string> = {
  diagnostics: 'Diagnostics',
  shell: 'Shell',
  screen: 'Screen',
  control: 'Control',
  files: 'Files',
};

/** For the end user: what the technician will be able to do. */
export const SCOPE_EXPLANATIONS: Record<Scope, string> = {
  diagnostics: 'Run read-only health checks (system, disks, network, logs). Nothing is changed.',
  shell: 'Open a command shell on this computer as you. Everything typed is recorded.',
  screen: 'See your screen. You stay in control of the mouse and keyboard.',
  control: 'Control your mouse and keyboard, and copy text to and from your clipboard, while viewing your screen.',
  files: 'Send files to your Downloads folder and collect files you allow. You are asked about each file.',
};

export interface ActionState {
  enabled: boolean;
  reason: string;
}

/** actionState decides whether an action needing scope is available. */
export function actionState(session: Pick<Session, 'state' | 'scopes' | 'granted'>, scope: Scope, role: Role): ActionState {
  if (role === 'auditor') return { enabled: false, reason: 'auditors can review but not act on sessions' };
  if (session.state === 'ended') return { enabled: false, reason: 'the session has ended' };
  if (session.state === 'waiting') return { enabled: false, reason: 'the user has not connected yet' };
  if (session.state !== 'connected') return { enabled: false, reason: 'the session is not connected' };
  const granted = session.granted ?? [];
  if (granted.includes(scope)) return { enabled: true, reason: '' };
  const asked = session.scopes ?? [];
  if (!asked.includes(scope)) return { enabled: false, reason: `${scope} was not requested in the invite` };
  return { enabled: false, reason: `the user did not grant ${scope}` };
}

/** Permit says whether the signed-in user may do something, and if not, why. */
export type Permit = { ok: true } | { ok: false; reason: string };

export const AUDITOR_REASON = 'auditors can read but not act';

/**
 * assigneeState mirrors the gateway (api.mayActOnTicket, auth.Can): admins
 * act on every ticket, technicians on the tickets assigned to them, auditors
 * on none. Acting covers invites, shells, diagnostics, screen, chat, asks,
 * ending sessions, status changes and escalation.
 */
export function assigneeState(user: { name: string; role: Role }, ticket: { assigned_to?: string | null }): Permit {
  if (user.role === 'auditor') return { ok: false, reason: AUDITOR_REASON };
  if (user.role === 'admin') return { ok: true };
  if (user.role !== 'technician') return { ok: false, reason: 'your role does not allow this' };
  const to = ticket.assigned_to ?? '';
  if (to === user.name) return { ok: true };
  if (to === '') return { ok: false, reason: 'nobody works on this ticket yet; take it first' };
  return { ok: false, reason: `assigned to ${to}; ask ${to} or an admin to hand it to you` };
}

/** takeState says whether "Take it" works: a technician may take only an unassigned ticket. */
export function takeState(user: { name: string; role: Role }, ticket: { assigned_to?: string | null }): Permit {
  if (user.role === 'auditor') return { ok: false, reason: AUDITOR_REASON };
  const to = ticket.assigned_to ?? '';
  if (to === user.name) return { ok: false, reason: 'you already work on this ticket' };
  if (user.role === 'admin' || to === '') return { ok: true };
  return { ok: false, reason: `assigned to ${to}; only an admin can reassign it, or ${to} can escalate it to you` };
}

/** sessionActionState combines the ticket's permit with the session's scope state. */
export function sessionActionState(
  session: Pick<Session, 'state' | 'scopes' | 'granted'>,
  scope: Scope,
  role: Role,
  permit: Permit = { ok: true },
): ActionState {
  if (!permit.ok) return { enabled: false, reason: permit.reason };
  return actionState(session, scope, role);
}
