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
