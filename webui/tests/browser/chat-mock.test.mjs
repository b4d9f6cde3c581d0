// The technician's chat, "Ask for more", consent method and rating in real
// Chromium against a mocked gateway API (route interception; the shell's
// WebSocket and the event stream are faked in the page). This runs before the
// gateway's chat API exists; chat.test.mjs drives the same UI end to end with
// the real gateway and client. Needs Chromium only (no binaries): the page is
// served by Vite's dev server on 127.0.0.1.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromiumPath, launch, newContext, screenshot, skipOrFail, waitFor, webuiDir } from './harness.mjs';

const skip = skipOrFail('chat (mocked API)', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing: apt-get install -y chromium`);

const T0 = new Date(Date.now() - 30 * 60000).toISOString();
const at = (min) => new Date(Date.parse(T0) + min * 60000).toISOString();

/** MockGateway answers the console's API calls from memory and records what it was sent. */
class MockGateway {
  constructor() {
    this.posts = [];
    this.gets = [];
    this.me = 'alice';
    this.role = 'technician';
    this.chatRefused = false;
    this.session = {
      id: 's_live', ticket_id: 1, state: 'connected', scopes: ['diagnostics', 'shell', 'screen'], granted: ['diagnostics', 'shell'],
      host: { hostname: 'acct-laptop', os: 'linux', arch: 'amd64', user: 'maria' }, client_version: 'dev', created_at: at(0), connected_at: at(1), consent: 'window', rating: null,
    };
    this.ended = {
      id: 's_old', ticket_id: 1, state: 'ended', scopes: ['diagnostics'], granted: ['diagnostics'], host: { hostname: 'acct-laptop', user: 'maria' },
      created_at: at(-90), connected_at: at(-89), ended_at: at(-60), end_reason: 'ended by the user', consent: 'window',
      rating: { score: 4, comment: 'Quick and friendly, thank you!', at: at(-59) },
    };
    this.messages = { s_live: [], s_old: [
      { id: 'o1', session_id: 's_old', seq: 1, sender: 'user', author: 'maria', text: 'The VPN dropped again just now.', at: at(-80) },
      { id: 'o2', session_id: 's_old', seq: 2, sender: 'technician', author: 'alice', text: 'Thanks, I can see it in the logs. Running a check.', at: at(-79) },
      { id: 'o3', session_id: 's_old', seq: 3, sender: 'user', author: 'maria', text: 'Works now, thanks!', at: at(-61) },
    ] };
    this.asks = [];
  }
  ticket() {
    return {
      id: 1, title: 'VPN drops every hour', description: 'Since Monday the VPN disconnects about every hour.', status: 'in_progress', requester: 'maria@example.test',
      created_by: 'alice', assigned_to: 'alice', created_at: at(-120), updated_at: at(1),
      sessions: [this.session, this.ended], recordings: [], reports: [], invites: [],
    };
  }
  answer(method, path, body) {
    const m = path.match(/^\/api\/v1\/sessions\/([^/?]+)(\/chat|\/asks|\/shell)?(\?.*)?$/);
    // The Live now presence list (every page) and the ticket timeline.
    if (method === 'GET' && path.startsWith('/api/v1/sessions?')) return [200, this.session.state === 'ended' ? [] : [{ ...this.session, ticket: { id: 1, title: 'VPN drops every hour', status: 'in_progress', assigned_to: 'alice' } }]];
    if (method === 'GET' && path.startsWith('/api/v1/tickets/1/timeline')) return [200, { items: [], more: false }];
    if (method === 'GET' && path === '/api/v1/me') return [200, { name: this.me, role: this.role, mfa: true }];
    if (method === 'GET' && path === '/api/v1/tickets/1') return [200, this.ticket()];
    if (method === 'GET' && path.startsWith('/api/v1/runbooks')) return [200, []];
    if (method === 'GET' && path.startsWith('/api/v1/audit')) {
      this.gets.push(path);
      return [200, path.startsWith('/api/v1/audit/verify') ? { ok: true, entries: 0 } : []];
    }
    if (m) {
      const sid = decodeURIComponent(m[1]);
      const s = sid === 's_live' ? this.session : sid === 's_old' ? this.ended : null;
      if (!s) return [404, { error: 'no such session', code: 'not_found' }];
      if (!m[2] && method === 'GET') return [200, s];
      // The shell's preflight (a GET without an upgrade) before it connects.
      if (m[2] === '/shell' && method === 'GET') return [200, { ready: true }];
      if (m[2] === '/chat' && method === 'GET') {
        const sealed = s.state === 'ended';
        const list = this.messages[sid];
        return [200, { messages: list, seal: sealed ? { sha256: 'c0ffee'.repeat(10) + 'abcd', messages: list.length } : null, verified: sealed }];
      }
      if (m[2] === '/chat' && method === 'POST') {
        this.posts.push({ path, body });
        if (this.chatRefused) return [409, { error: 'the client is not connected', code: 'session_not_connected' }];
        const list = this.messages[sid];
        const msg = { id: `c${list.length + 1}`, session_id: sid, seq: list.length + 1, sender: 'technician', author: 'alice', text: body.text, at: new Date().toISOString() };
        list.push(msg);
        return [201, msg];
      }
      if (m[2] === '/asks' && method === 'GET') return [200, this.asks];
      if (m[2] === '/asks' && method === 'POST') {
        this.posts.push({ path, body });
        const a = { id: `a${this.asks.length + 1}`, session_id: sid, scopes: body.scopes, reason: body.reason, state: 'pending', technician: 'alice', created_at: new Date().toISOString() };
        this.asks.push(a);
        return [201, a];
      }
    }
    return [404, { error: 'not mocked', code: 'not_found' }];
  }
}

/** fakeEventSource replaces EventSource in the page; window.__emit(name, data) delivers an event. */
function fakeEventSource() {
  const all = [];
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.readyState = 1;
      this.listeners = {};
      all.push(this);
      setTimeout(() => this.onopen?.({}), 0);
    }
    addEventListener(name, fn) {
      (this.listeners[name] ??= []).push(fn);
    }
    close() {
      this.readyState = 2;
    }
  }
  FakeEventSource.CLOSED = 2;
  window.EventSource = FakeEventSource;
  window.__emit = (name, data) => {
    for (const es of all) for (const fn of es.listeners[name] ?? []) fn({ data: JSON.stringify(data) });
  };
}

describe('chat, asks, consent and rating (mocked API)', { skip }, () => {
  let vite, origin, browser, ctx, page, gw;
  const problems = [];
  const emit = (name, data) => page.evaluate(([n, d]) => window.__emit(n, d), [name, data]);
  const userSays = (text) => {
    const list = gw.messages.s_live;
    const m = { id: `u${list.length + 1}`, session_id: 's_live', seq: list.length + 1, sender: 'user', author: 'maria', text, at: new Date().toISOString() };
    list.push(m);
    return emit('chat', m);
  };

  before(async () => {
    const { createServer } = await import('vite');
    vite = await createServer({ root: webuiDir, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
    await vite.listen();
    const a = vite.httpServer.address();
    origin = `http://127.0.0.1:${a.port}`;
    gw = new MockGateway();
    browser = await launch();
    ctx = await newContext(browser, problems, [['/api/v1/', 409]]);
    await ctx.addInitScript(fakeEventSource);
    await ctx.route(/\/api\/v1\//, async (route) => {
      const req = route.request();
      const url = new URL(req.url());
      const body = req.postData() ? JSON.parse(req.postData()) : undefined;
      const [status, data] = gw.answer(req.method(), url.pathname + url.search, body);
      await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(data) });
    });
    await ctx.routeWebSocket(/\/api\/v1\/sessions\/.*\/screen/, (ws) => {
      ws.send(JSON.stringify({ type: 'hello', hello: { width: 1280, height: 800, display: ':0', can_control: false, recording_id: 'r2', transport: 'websocket', ice_servers: [] } }));
      ws.onMessage(() => {});
    });
    await ctx.routeWebSocket(/\/api\/v1\/sessions\/.*\/shell/, (ws) => {
      ws.send(JSON.stringify({ type: 'recording', id: 'r1' }));
      ws.send(Buffer.from('maria@acct-laptop:~$ journalctl -u openvpn --since "1 hour ago"\r\n-- No entries --\r\nmaria@acct-laptop:~$ '));
      ws.onMessage(() => {});
    });
    page = await ctx.newPage();
  });

  after(async () => {
    await browser?.close();
    await vite?.close();
  });

  it('puts the chat beside the shell, not over it, and marks a waiting user', async () => {
    await page.goto(`${origin}/sessions/s_live/shell`);
    await page.getByTestId('chat-panel').waitFor();
    await waitFor('the shell output', async () => (await page.locator('.xterm-rows').textContent())?.includes('No entries'));
    await userSays('Hello? The VPN just dropped again. Can you see it?');
    const reply = page.locator('[data-testid="chat-messages"] li[data-sender="user"]');
    await reply.waitFor();
    assert.match(await reply.textContent(), /VPN just dropped again/);
    assert.match(await page.getByTestId('chat-waiting').textContent(), /waiting for your answer/);
    const term = await page.locator('.xterm-screen').boundingBox();
    const side = await page.getByTestId('session-side').boundingBox();
    assert.ok(term.x + term.width <= side.x + 1, `terminal (right edge ${term.x + term.width}) runs under the chat (left edge ${side.x})`);
    assert.match(await page.getByTestId('granted').textContent(), /diagnostics shell/);
    await screenshot(page, 'console-chat');
  });

  it('sends on Enter, keeps Shift+Enter as a new line, and the waiting mark goes', async () => {
    const input = page.getByTestId('chat-input');
    await input.click();
    await page.keyboard.type('Yes, I see it.');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('Checking the logs now.');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="chat-messages"] li[data-sender="technician"]').waitFor();
    assert.deepEqual(gw.posts.at(-1).body, { text: 'Yes, I see it.\nChecking the logs now.' });
    assert.equal(await input.inputValue(), '');
    assert.equal(await page.getByTestId('chat-waiting').count(), 0);
  });

  it('shows what the user writes as text', async () => {
    await userSays('<img src=x onerror="document.title=\'owned\'"><b>bold?</b>');
    const last = page.locator('[data-testid="chat-messages"] li[data-sender="user"]').last();
    await waitFor('the markup message', async () => (await last.textContent()).includes('<b>bold?</b>'));
    assert.equal(await page.locator('[data-testid="chat-messages"] img, [data-testid="chat-messages"] b').count(), 0);
    assert.notEqual(await page.title(), 'owned');
  });

  it('collapses to a strip: the terminal grows, unread messages are counted', async () => {
    const before = (await page.locator('.xterm-screen').boundingBox()).width;
    await page.getByTestId('chat-toggle').click();
    await waitFor('the terminal to re-fit wider', async () => (await page.locator('.xterm-screen').boundingBox()).width > before + 100);
    await userSays('Should I restart?');
    await waitFor('the unread count', async () => (await page.getByTestId('chat-unread').textContent().catch(() => '')) === '1');
    assert.equal(await page.getByTestId('chat-waiting').textContent(), 'User waiting');
    await screenshot(page, 'console-chat-collapsed');
    await page.getByTestId('chat-toggle').click();
    await page.getByTestId('chat-input').waitFor();
    assert.equal(await page.getByTestId('chat-unread').count(), 0);
  });

  it('says why a message was not sent', async () => {
    gw.chatRefused = true;
    await page.getByTestId('chat-input').fill('Are you still there?');
    await page.getByTestId('chat-send').click();
    assert.equal(await page.getByTestId('chat-error').textContent(), "Not sent: the user's client is not connected right now.");
    assert.equal(await page.getByTestId('chat-input').inputValue(), 'Are you still there?');
    gw.chatRefused = false;
    await page.getByTestId('chat-input').fill('');
  });

  it('asks for more; the answer and the new grant show live', async () => {
    await page.getByTestId('ask-button').click();
    const offered = await page.locator('input[name="ask-scope"]').evaluateAll((l) => l.map((b) => b.value));
    assert.deepEqual(offered, ['screen', 'control', 'files']);
    await page.locator('input[name="ask-scope"][value="screen"]').check();
    await page.locator('textarea[name="ask-reason"]').fill('I need to see the VPN dialog on your screen.');
    await page.getByTestId('ask-submit').click();
    await waitFor('the pending ask', async () => /pending/.test(await page.getByTestId('ask-state').textContent().catch(() => '')));
    assert.deepEqual(gw.posts.at(-1).body, { scopes: ['screen'], reason: 'I need to see the VPN dialog on your screen.' });
    const a = gw.asks[0];
    Object.assign(a, { state: 'answered', allowed: ['screen'], via: 'window', answered_at: new Date().toISOString() });
    gw.session.granted = ['diagnostics', 'shell', 'screen'];
    await emit('ask', a);
    await emit('session', gw.session);
    await waitFor('the allowed ask', async () => /allowed screen/.test(await page.getByTestId('ask-state').textContent()));
    await waitFor('screen in the granted list', async () => /screen/.test(await page.getByTestId('granted').textContent()));
  });

  it('puts the chat beside the screen view too', async () => {
    await page.goto(`${origin}/sessions/s_live/screen`);
    await page.getByTestId('chat-panel').waitFor();
    await page.getByTestId('ask-button').waitFor();
    const box = await page.locator('.screen-box').boundingBox();
    const side = await page.getByTestId('session-side').boundingBox();
    assert.ok(box.x + box.width <= side.x + 1, 'the screen view runs under the chat');
    assert.equal(await page.locator('[data-testid="chat-messages"] li').count(), gw.messages.s_live.length);
    await screenshot(page, 'console-screen-chat');
  });

  it('shows on the ticket how consent was given, the rating and the sealed transcript', async () => {
    await page.goto(`${origin}/tickets/1`);
    const live = page.locator('[data-testid="session"][data-state="connected"]');
    await live.getByTestId('chat-panel').waitFor();
    assert.equal(await live.getByTestId('consent-method').textContent(), 'asked in the consent window');
    assert.equal(await live.locator('[data-testid="chat-messages"] li').count(), gw.messages.s_live.length);
    await page.locator('details.past > summary').click();
    const old = page.locator('[data-testid="session"][data-state="ended"]');
    assert.match(await old.getByTestId('rating').textContent(), /4\/5 — “Quick and friendly, thank you!”/);
    await waitFor('the sealed transcript', async () => (await old.getByTestId('chat-transcript').getAttribute('data-seal')) === 'verified');
    assert.match(await old.getByTestId('chat-seal').textContent(), /sealed ✓ verified/);
    assert.equal(await old.locator('[data-testid="chat-transcript"] li[data-sender]').count(), 3);
    await old.scrollIntoViewIfNeeded();
    await screenshot(page, 'ticket-feedback');
  });

  it('lets an auditor read the transcript and follow it into the audit trail', async () => {
    Object.assign(gw, { me: 'audrey', role: 'auditor' });
    await page.goto(`${origin}/tickets/1`);
    await page.locator('details.past > summary').click();
    const old = page.locator('[data-testid="session"][data-state="ended"]');
    await waitFor('the sealed transcript', async () => (await old.getByTestId('chat-transcript').getAttribute('data-seal')) === 'verified');
    assert.equal(await page.locator('[data-testid="chat-input"]:not([disabled])').count(), 0, 'an auditor has no usable chat input');
    await old.getByTestId('chat-audit-link').click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    assert.equal(await page.locator('input[name="ticket"]').inputValue(), '1');
    assert.equal(await page.locator('[name="action"]').inputValue(), 'chat.');
    await waitFor('the filtered audit request', () => gw.gets.some((p) => /^\/api\/v1\/audit\?ticket=1&action=chat\.&limit=/.test(p)));
    assert.deepEqual(problems, []);
  });
});
