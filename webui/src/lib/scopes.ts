// What each scope means in plain words, and whether an action on a session
// is possible right now (and if not, why).

import type { Role, Scope, Session } from './api';

export const SCOPE_TITLES: Record<Scope, string> = {
  diagnostics: 'Diagnostics',
  shell: 'Shell',
  screen: 'Screen',
  control: 'Control',
};

/** For the end user: what the technician will be able to do. */
export const SCOPE_EXPLANATIONS: Record<Scope, string> = {
  diagnostics: 'Run read-only health checks (system, disks, network, logs). Nothing is changed.',
  shell: 'Open a command shell on this computer as you. Everything typed is recorded.',
  screen: 'See your screen. You stay in control of the mouse and keyboard.',
  control: 'Control your mouse and keyboard while viewing your screen.',
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
