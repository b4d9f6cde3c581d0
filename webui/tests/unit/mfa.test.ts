import { describe, expect, it } from 'vitest';
import { api, ApiError, actionError, setFetch } from '../../src/lib/api';
import { isOtpauthUrl, normaliseOtp, otpProblem, recoveryText, secretGroups } from '../../src/lib/mfa';

describe('otpProblem', () => {
  it.each([
    ['123456', false, ''],
    [' 123 456 ', false, ''],
    ['', false, 'Enter the 6-digit code from your authenticator app.'],
    ['12345', false, 'The code has 6 digits; you typed 5.'],
    ['ABCD-EFGH', false, 'The code is 6 digits, from your authenticator app.'],
    ['ABCD-EFGH', true, ''],
    ['ABCD-EFGH-JKLM-NPQR', true, ''],
    ['hello', true, 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.'],
  ])('%j (recovery %s) → %j', (code, rec, want) => expect(otpProblem(code, rec)).toBe(want));

  it('normalises spaces', () => expect(normaliseOtp(' 12 34\t56 ')).toBe('123456'));
});

describe('secret and recovery codes', () => {
  it('groups the secret by 4', () => expect(secretGroups('JBSWY3DPEHPK3PXPAB')).toEqual(['JBSW', 'Y3DP', 'EHPK', '3PXP', 'AB']));
  it('writes the codes one per line under a heading', () =>
    expect(recoveryText(['AAAA-BBBB', 'CCCC-DDDD'], 'tina')).toBe('Tether recovery codes for tina — each works once.\nAAAA-BBBB\nCCCC-DDDD\n'));
  it('accepts only otpauth totp URLs', () => {
    expect(isOtpauthUrl('otpauth://totp/Tether:tina?secret=X&issuer=Tether')).toBe(true);
    expect(isOtpauthUrl('javascript:alert(1)')).toBe(false);
    expect(isOtpauthUrl('otpauth://hotp/x')).toBe(false);
  });
});

describe('actionError', () => {
  it('turns the assignee 403 into a sentence with the next step', () =>
    expect(actionError(new ApiError('this ticket is assigned to tina', 403, { code: 'not_assigned', assignedTo: 'tina' }))).toBe(
      'Not allowed: this ticket is assigned to tina. Ask tina or an admin to escalate it to you.',
    ));
  it('keeps other 403s readable', () =>
    expect(actionError(new ApiError('Only the ticket\'s assignee or an admin can escalate it; take it first', 403))).toBe(
      'Not allowed: only the ticket\'s assignee or an admin can escalate it; take it first.',
    ));
  it('decides by the code, not the words', () => {
    expect(actionError(new ApiError('Dieses Ticket gehört tina', 403, { code: 'not_assigned', assignedTo: 'tina' }))).toBe(
      'Not allowed: this ticket is assigned to tina. Ask tina or an admin to escalate it to you.',
    );
    expect(actionError(new ApiError('this ticket is assigned to tina', 403, { code: 'forbidden' }))).toBe(
      'Not allowed: this ticket is assigned to tina.',
    );
  });
  it('passes other errors through', () => expect(actionError(new ApiError('invite already used', 409))).toBe('invite already used'));
});

describe('new endpoints', () => {
  const calls: [string, RequestInit][] = [];
  const ok = (body = '') => async (u: string, init?: RequestInit) => (calls.push([u, init ?? {}]), new Response(body || null, { status: body ? 200 : 204 }));

  it.each([
    ['withdrawInvite', () => api.withdrawInvite(7, 'K7QF-3MZP'), 'DELETE', '/api/v1/tickets/7/invites/K7QF-3MZP', undefined],
    ['escalateTicket', () => api.escalateTicket(7, 'bob', 'over to you'), 'POST', '/api/v1/tickets/7/escalate', { to: 'bob', note: 'over to you' }],
    ['escalate without note', () => api.escalateTicket(7, 'bob'), 'POST', '/api/v1/tickets/7/escalate', { to: 'bob' }],
    ['compareReports', () => api.compareReports('d_1', 'd 2'), 'GET', '/api/v1/reports/compare?before=d_1&after=d+2', undefined],
    ['mfaDisable', () => api.mfaDisable('123456'), 'DELETE', '/api/v1/me/mfa', { otp: '123456' }],
    ['mfaConfirm', () => api.mfaConfirm('123456'), 'POST', '/api/v1/me/mfa/confirm', { otp: '123456' }],
    ['mfa reset', () => api.updateUser('tina', { mfa_reset: true }), 'PATCH', '/api/v1/users/tina', { mfa_reset: true }],
    ['runbook run', () => api.runDiagnostics('s1', { runbook: 'disk-full', params: {} }), 'POST', '/api/v1/sessions/s1/diagnostics', { runbook: 'disk-full', params: {} }],
  ])('%s', async (_n, call, method, url, body) => {
    calls.length = 0;
    setFetch(ok(method === 'DELETE' && !body ? '' : '{}'));
    await call();
    expect(calls[0][0]).toBe(url);
    expect(calls[0][1].method).toBe(method);
    expect(calls[0][1].body ? JSON.parse(calls[0][1].body as string) : undefined).toEqual(body);
  });
});
