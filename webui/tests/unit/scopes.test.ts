import { describe, expect, it } from 'vitest';
import { actionState } from '../../src/lib/scopes';
import type { Role, Scope, Session } from '../../src/lib/api';

type S = Pick<Session, 'state' | 'scopes' | 'granted'>;
const live: S = { state: 'connected', scopes: ['diagnostics', 'shell', 'screen'], granted: ['diagnostics'] };

describe('actionState', () => {
  const cases: [string, S, Scope, Role, boolean, string][] = [
    ['granted', live, 'diagnostics', 'technician', true, ''],
    ['asked, not granted', live, 'shell', 'technician', false, 'the user did not grant shell'],
    ['not asked', live, 'control', 'admin', false, 'control was not requested in the invite'],
    ['auditor', live, 'diagnostics', 'auditor', false, 'auditors can review but not act on sessions'],
    ['ended', { ...live, state: 'ended' }, 'diagnostics', 'technician', false, 'the session has ended'],
    ['waiting', { ...live, state: 'waiting' }, 'diagnostics', 'technician', false, 'the user has not connected yet'],
    ['null lists', { state: 'connected', scopes: null, granted: null }, 'shell', 'technician', false, 'shell was not requested in the invite'],
  ];
  for (const [name, s, scope, role, enabled, reason] of cases) {
    it(name, () => expect(actionState(s, scope, role)).toEqual({ enabled, reason }));
  }
});

import { assigneeState, sessionActionState, takeState } from '../../src/lib/scopes';

describe('assigneeState', () => {
  const bob = { assigned_to: 'bob' };
  const cases: [string, { name: string; role: Role }, { assigned_to?: string | null }, object][] = [
    ['assignee', { name: 'bob', role: 'technician' }, bob, { ok: true }],
    ['admin on anyone’s', { name: 'root', role: 'admin' }, bob, { ok: true }],
    ['other technician', { name: 'carol', role: 'technician' }, bob, { ok: false, reason: 'assigned to bob; ask bob or an admin to hand it to you' }],
    ['unassigned', { name: 'carol', role: 'technician' }, { assigned_to: '' }, { ok: false, reason: 'nobody works on this ticket yet; take it first' }],
    ['null assignee', { name: 'carol', role: 'technician' }, { assigned_to: null }, { ok: false, reason: 'nobody works on this ticket yet; take it first' }],
    ['auditor', { name: 'audrey', role: 'auditor' }, bob, { ok: false, reason: 'auditors can read but not act' }],
  ];
  for (const [name, u, t, want] of cases) it(name, () => expect(assigneeState(u, t)).toEqual(want));
});

describe('takeState', () => {
  it('technician takes an unassigned ticket', () => expect(takeState({ name: 'carol', role: 'technician' }, { assigned_to: '' })).toEqual({ ok: true }));
  it('technician cannot take bob’s', () =>
    expect(takeState({ name: 'carol', role: 'technician' }, { assigned_to: 'bob' })).toEqual({ ok: false, reason: 'assigned to bob; only an admin can reassign it, or bob can escalate it to you' }));
  it('admin takes bob’s', () => expect(takeState({ name: 'root', role: 'admin' }, { assigned_to: 'bob' })).toEqual({ ok: true }));
  it('auditor', () => expect(takeState({ name: 'a', role: 'auditor' }, { assigned_to: '' })).toEqual({ ok: false, reason: 'auditors can read but not act' }));
  it('already mine', () => expect(takeState({ name: 'bob', role: 'technician' }, { assigned_to: 'bob' }).ok).toBe(false));
});

describe('sessionActionState', () => {
  it('the ticket’s reason comes first', () =>
    expect(sessionActionState(live, 'diagnostics', 'technician', { ok: false, reason: 'assigned to bob; ask bob or an admin to hand it to you' })).toEqual({ enabled: false, reason: 'assigned to bob; ask bob or an admin to hand it to you' }));
  it('then the scope', () => expect(sessionActionState(live, 'shell', 'technician', { ok: true })).toEqual({ enabled: false, reason: 'the user did not grant shell' }));
  it('default permit', () => expect(sessionActionState(live, 'diagnostics', 'technician')).toEqual({ enabled: true, reason: '' }));
});
