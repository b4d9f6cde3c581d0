// @vitest-environment happy-dom
// The ask panel and the session card mounted in a DOM (happy-dom), with fetch mocked and
// events fed through the real events module.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import AskPanel from '../../src/components/AskPanel.svelte';
import SessionCard from '../../src/components/SessionCard.svelte';
import type { Session } from '../../src/lib/api';
import { setFetch } from '../../src/lib/api';
import { dispatch } from '../../src/lib/events';

type Call = { method: string; url: string; body: unknown };

function gateway(routes: Record<string, (body: unknown) => [number, unknown]>) {
  const calls: Call[] = [];
  setFetch(async (url, init) => {
    const method = init?.method ?? 'GET';
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, url, body });
    const r = routes[`${method} ${url}`];
    const [status, data] = r ? r(body) : [404, { error: 'not found', code: 'not_found' }];
    return new Response(data === undefined ? null : JSON.stringify(data), { status });
  });
  return calls;
}

async function until(what: string, fn: () => boolean) {
  for (let i = 0; i < 200; i++) {
    flushSync();
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const msg = (seq: number, sender: 'user' | 'technician', text: string) => ({
  id: `c${seq}`, session_id: 's1', seq, sender, author: sender === 'user' ? 'maria' : 'alice', text, at: '2026-12-02T10:00:00Z',
});

let app: ReturnType<typeof mount> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.textContent = '';
});

function q<T extends Element = HTMLElement>(sel: string): T | null {
  return document.body.querySelector<T>(sel);
}


const base: Session = {
  id: 's1', ticket_id: 7, state: 'connected', scopes: ['diagnostics', 'shell', 'screen'], granted: ['diagnostics', 'shell'],
  created_at: '2026-12-02T10:00:00Z', connected_at: '2026-12-02T10:00:00Z', consent: 'window',
};

const pending = { id: 'a1', session_id: 's1', scopes: ['screen', 'control'], reason: 'see the dialog', state: 'pending', technician: 'alice', created_at: '2026-12-02T10:01:00Z' };

function check(value: string) {
  const box = q<HTMLInputElement>(`input[name="ask-scope"][value="${value}"]`)!;
  box.checked = true;
  box.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

describe('AskPanel', () => {
  it('offers the scopes not granted, sends the ask, follows its answer', async () => {
    const calls = gateway({
      'GET /api/v1/sessions/s1/asks': () => [200, []],
      'POST /api/v1/sessions/s1/asks': () => [201, pending],
    });
    app = mount(AskPanel, { target: document.body, props: { session: base } });
    q<HTMLButtonElement>('[data-testid="ask-button"]')!.click();
    flushSync();
    const offered = [...document.body.querySelectorAll<HTMLInputElement>('input[name="ask-scope"]')].map((b) => b.value);
    expect(offered).toEqual(['screen', 'control', 'files']);
    expect(document.body.querySelectorAll<HTMLInputElement>('input[name="ask-scope"]:checked').length).toBe(0);
    check('control');
    const reason = q<HTMLTextAreaElement>('textarea[name="ask-reason"]')!;
    reason.value = 'see the dialog';
    reason.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    q<HTMLButtonElement>('[data-testid="ask-submit"]')!.click();
    await until('the pending state', () => !!q('[data-testid="ask-state"]'));
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([{ scopes: ['screen', 'control'], reason: 'see the dialog' }]);
    expect(q('[data-testid="ask-state"]')!.textContent).toMatch(/pending/);
    expect(q<HTMLButtonElement>('[data-testid="ask-button"]')!.disabled).toBe(true);
    dispatch('ask', JSON.stringify({ ...pending, session_id: 's2', state: 'answered', allowed: [] }));
    flushSync();
    expect(q('[data-testid="ask-state"]')!.textContent).toMatch(/pending/);
    dispatch('ask', JSON.stringify({ ...pending, state: 'answered', allowed: ['screen'], via: 'window', answered_at: '2026-12-02T10:02:00Z' }));
    flushSync();
    expect(q('[data-testid="ask-state"]')!.textContent).toMatch(/allowed screen; declined control/);
  });

  it('needs a scope and a reason, and words a client that cannot ask', async () => {
    const calls = gateway({
      'GET /api/v1/sessions/s1/asks': () => [200, null],
      'POST /api/v1/sessions/s1/asks': () => [409, { error: 'client cannot ask', code: 'ask_refused' }],
    });
    app = mount(AskPanel, { target: document.body, props: { session: base } });
    q<HTMLButtonElement>('[data-testid="ask-button"]')!.click();
    flushSync();
    q<HTMLButtonElement>('[data-testid="ask-submit"]')!.click();
    flushSync();
    expect(q('[data-testid="ask-error"]')!.textContent).toBe('Choose at least one permission to ask for.');
    check('screen');
    q<HTMLButtonElement>('[data-testid="ask-submit"]')!.click();
    flushSync();
    expect(q('[data-testid="ask-error"]')!.textContent).toMatch(/Say why/);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    const reason = q<HTMLTextAreaElement>('textarea[name="ask-reason"]')!;
    reason.value = 'x';
    reason.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    q<HTMLButtonElement>('[data-testid="ask-submit"]')!.click();
    await until('the refusal', () => /older client/.test(q('[data-testid="ask-error"]')?.textContent ?? ''));
  });

  it('cannot ask when everything is granted', () => {
    gateway({ 'GET /api/v1/sessions/s1/asks': () => [200, []] });
    app = mount(AskPanel, { target: document.body, props: { session: { ...base, granted: ['diagnostics', 'shell', 'screen', 'control', 'files'] } } });
    expect(q<HTMLButtonElement>('[data-testid="ask-button"]')!.disabled).toBe(true);
  });
});

describe('SessionCard', () => {
  it('shows how consent was given, the rating and the sealed transcript of an ended session', async () => {
    gateway({
      'GET /api/v1/sessions/s1/chat': () => [200, {
        messages: [msg(1, 'user', 'printer gone'), msg(2, 'technician', 'fixed')], seal: { sha256: 'ab'.repeat(32), messages: 2 }, verified: true,
      }],
    });
    const ended: Session = { ...base, state: 'ended', ended_at: '2026-12-02T10:30:00Z', consent: 'terminal', rating: { score: 4, comment: 'quick <b>fix</b>', at: '2026-12-02T10:31:00Z' } };
    app = mount(SessionCard, { target: document.body, props: { session: ended, role: 'auditor', now: Date.now(), onReport: () => {} } });
    expect(q('[data-testid="session"]')!.getAttribute('data-state')).toBe('ended');
    expect(q('[data-testid="consent-method"]')!.textContent).toBe("asked on the client's terminal");
    expect(q('[data-testid="rating"]')!.textContent).toMatch(/4\/5 — “quick <b>fix<\/b>”/);
    expect(q('[data-testid="rating"] b')).toBeNull();
    await until('the transcript', () => q('[data-testid="chat-transcript"]')?.getAttribute('data-seal') === 'verified');
    expect(q('[data-testid="chat-transcript"]')!.textContent).toMatch(/sealed ✓ verified/);
    expect(document.body.querySelectorAll('[data-testid="chat-transcript"] li[data-sender]').length).toBe(2);
    expect(q<HTMLAnchorElement>('[data-testid="chat-audit-link"]')!.getAttribute('href')).toBe('/audit?ticket=7&action=chat.');
    expect(q('[data-testid="chat-panel"]')).toBeNull();
  });

  it('says when the transcript does not match its seal, and when consent was not recorded', async () => {
    gateway({
      'GET /api/v1/sessions/s1/chat': () => [200, { messages: [msg(1, 'user', 'x')], seal: { sha256: 'ab', messages: 1 }, verified: false }],
    });
    const ended: Session = { ...base, state: 'ended', consent: '', rating: null };
    app = mount(SessionCard, { target: document.body, props: { session: ended, role: 'technician', now: Date.now(), onReport: () => {} } });
    expect(q('[data-testid="consent-method"]')!.textContent).toBe('not recorded (older client)');
    expect(q('[data-testid="rating"]')!.textContent).toMatch(/not rated/);
    await until('the seal state', () => q('[data-testid="chat-transcript"]')?.getAttribute('data-seal') === 'unverified');
    expect(q('[data-testid="chat-seal"]')!.textContent).toMatch(/not verified ✗/);
  });

  it('gives a connected session the chat, the ask button and the granted list', async () => {
    gateway({
      'GET /api/v1/sessions/s1/chat': () => [200, { messages: [], seal: null, verified: false }],
      'GET /api/v1/sessions/s1/asks': () => [200, []],
      'GET /api/v1/runbooks': () => [200, []],
    });
    app = mount(SessionCard, { target: document.body, props: { session: base, role: 'technician', now: Date.now(), onReport: () => {} } });
    expect(q('[data-testid="granted"]')!.textContent).toMatch(/diagnostics\s+shell/);
    expect(q('[data-testid="consent-method"]')!.textContent).toBe('asked in the consent window');
    expect(q('[data-testid="chat-panel"]')).not.toBeNull();
    expect(q('[data-testid="ask-button"]')).not.toBeNull();
    expect(q('[data-testid="rating"]')).toBeNull();
  });
});
