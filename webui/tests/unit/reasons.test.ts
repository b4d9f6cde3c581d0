import { afterEach, describe, expect, it } from 'vitest';
import { setFetch } from '../../src/lib/api';
import { refusalText, shellEndText, shellPreflight } from '../../src/lib/reasons';

afterEach(() => setFetch((i, init) => fetch(i, init)));

describe('shellEndText', () => {
  it('words each code, not the reason', () => {
    expect(shellEndText('user_revoked', 'the user withdrew the permission: x')).toBe('the user revoked shell');
    expect(shellEndText('gateway_restart', 'gateway restarting')).toBe('the gateway is restarting; reconnect in a moment');
    expect(shellEndText('right_withdrawn', 'your account was disabled')).toContain('your account was disabled');
  });
  it('falls back to the reason, then to a default', () => {
    expect(shellEndText('unknown', 'odd')).toBe('odd');
    expect(shellEndText('', '')).toBe('the session ended');
  });
});

describe('shellPreflight', () => {
  it('is ready on 200 and names the refusal otherwise', async () => {
    setFetch(async () => new Response('{"ready":true}', { status: 200 }));
    expect(await shellPreflight('s_1')).toEqual({ ready: true });
    setFetch(async () => new Response('{"error":"the user has not granted shell, or revoked it","code":"scope_not_granted"}', { status: 403 }));
    const p = await shellPreflight('s_1');
    expect(p.ready).toBe(false);
    if (!p.ready) {
      expect(p.code).toBe('scope_not_granted');
      expect(refusalText(p)).toBe('Could not open the shell: the user has not granted shell, or revoked it.');
    }
    setFetch(async () => {
      throw new TypeError('network');
    });
    const gone = await shellPreflight('s_1');
    expect(gone.ready).toBe(false);
    if (!gone.ready) expect(refusalText(gone)).toMatch(/^Could not reach the gateway \(it may be restarting\)/);
  });
});
