import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, describeShellClose, describeShellEnd, parseShellControl, request, setFetch, setUnauthorizedHandler, shellUrl } from '../../src/lib/api';

function respond(status: number, body: string, headers: Record<string, string> = {}) {
  return vi.fn(async () => new Response(body === '' ? null : body, { status, headers }));
}

afterEach(() => setUnauthorizedHandler(null));

describe('request', () => {
  it('returns parsed JSON and sends JSON', async () => {
    const f = respond(201, JSON.stringify({ id: 7, title: 't' }));
    setFetch(f);
    const t = await api.createTicket({ title: 't', description: '' });
    expect(t.id).toBe(7);
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/tickets');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ title: 't', description: '' });
  });

  it('uses the error message from the body', async () => {
    setFetch(respond(409, JSON.stringify({ error: 'invite already used' })));
    await expect(request('POST', '/x')).rejects.toMatchObject({ status: 409, message: 'invite already used' });
  });

  it('falls back to words for a body without error', async () => {
    setFetch(respond(403, '<html>nope</html>'));
    await expect(request('GET', '/x')).rejects.toMatchObject({ status: 403, message: 'You are not allowed to do that' });
  });

  it('reports an unreachable gateway as status 0', async () => {
    setFetch(vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    const e = (await request("GET", "/x").catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(0);
    expect(e.message).toMatch(/Cannot reach the gateway/);
  });

  it('refuses a 200 that is not JSON', async () => {
    setFetch(respond(200, 'hello'));
    await expect(request('GET', '/x')).rejects.toMatchObject({ message: 'The gateway sent an answer that is not JSON' });
  });

  it('accepts an empty 204', async () => {
    setFetch(respond(204, ''));
    await expect(api.logout()).resolves.toBeUndefined();
  });

  it('marks otp_required on login', async () => {
    setFetch(respond(401, JSON.stringify({ error: 'one-time code required', otp_required: true })));
    const e = await api.login('a', 'b').catch((x) => x);
    expect(e.otpRequired).toBe(true);
    expect(e.status).toBe(401);
  });

  it('keeps the error code and the assignee', async () => {
    setFetch(respond(403, JSON.stringify({ error: 'this ticket is assigned to tina', code: 'not_assigned', assigned_to: 'tina' })));
    const e = await api.updateTicket(7, { status: 'resolved' }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 403, code: 'not_assigned', assignedTo: 'tina', message: 'this ticket is assigned to tina' });
  });

  it('marks otp_required from the code alone', async () => {
    setFetch(respond(401, JSON.stringify({ error: 'one-time code required', code: 'otp_required' })));
    const e = await api.login('a', 'b').catch((x) => x);
    expect(e.otpRequired).toBe(true);
  });

  it('has an empty code when the answer has none', async () => {
    setFetch(respond(500, 'oops'));
    await expect(request('GET', '/x')).rejects.toMatchObject({ status: 500, code: '' });
  });

  it('reads Retry-After on 429', async () => {
    setFetch(respond(429, JSON.stringify({ error: 'slow down' }), { 'Retry-After': '30' }));
    await expect(api.login('a', 'b')).rejects.toMatchObject({ status: 429, retryAfter: 30 });
  });

  it('calls the unauthorized handler on 401 for signed-in calls only', async () => {
    const h = vi.fn();
    setUnauthorizedHandler(h);
    setFetch(respond(401, JSON.stringify({ error: 'not signed in' })));
    await api.tickets().catch(() => {});
    expect(h).toHaveBeenCalledTimes(1);
    await api.login('a', 'b').catch(() => {});
    await api.me().catch(() => {});
    expect(h).toHaveBeenCalledTimes(1);
  });

  it('builds query strings and escapes ids', async () => {
    const f = respond(200, '[]');
    setFetch(f);
    await api.tickets({ status: 'open', q: 'vpn & wifi' });
    await api.audit({ ticket: 12, actor: '', action: 'shell.open' });
    await api.recordingMeta('../x');
    await api.join('K7QF/../..');
    const urls = f.mock.calls.map((c) => (c as unknown as [string])[0]);
    expect(urls).toEqual([
      '/api/v1/tickets?status=open&q=vpn+%26+wifi',
      '/api/v1/audit?ticket=12&action=shell.open',
      '/api/v1/recordings/..%2Fx/meta',
      '/api/v1/join/K7QF%2F..%2F..',
    ]);
  });
});

describe('shell socket helpers', () => {
  it('shellUrl picks wss on https', () => {
    expect(shellUrl('s 1', 80, 24, { protocol: 'https:', host: 'gw:8443' })).toBe('wss://gw:8443/api/v1/sessions/s%201/shell?cols=80&rows=24');
    expect(shellUrl('s1', 80, 24, { protocol: 'http:', host: 'localhost' })).toBe('ws://localhost/api/v1/sessions/s1/shell?cols=80&rows=24');
  });
  it('describes why the shell closed', () => {
    expect(describeShellClose('user pressed Ctrl-C', 1000, '', true)).toBe('The shell has ended: user pressed Ctrl-C');
    expect(describeShellClose(describeShellEnd('user_revoked'), 1000, '', true)).toBe('The shell has ended: the user withdrew the permission');
    expect(describeShellEnd('something_new')).toBe('the session ended');
    expect(describeShellClose('', 1000, '', true)).toBe('The shell has ended.');
    expect(describeShellClose('', 1006, '', false)).toMatch(/^Could not open the shell/);
    expect(describeShellClose('', 1006, '', true)).toBe('The connection to the gateway dropped (code 1006).');
    expect(describeShellClose('', 1011, 'broker gone', true)).toBe('The connection to the gateway dropped: broker gone (code 1011).');
  });
  it('parses control frames', () => {
    expect(parseShellControl('{"type":"exit","reason":"user pressed Ctrl-C"}')).toEqual({ type: 'exit', reason: 'user pressed Ctrl-C' });
    expect(parseShellControl('{"type":"recording","id":"r1"}')).toEqual({ type: 'recording', id: 'r1' });
    expect(parseShellControl('not json')).toBeNull();
    expect(parseShellControl('[1,2]')).toBeNull();
    expect(parseShellControl('{"type":3}')).toBeNull();
  });
});
