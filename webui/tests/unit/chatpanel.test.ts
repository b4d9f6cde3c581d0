// @vitest-environment happy-dom
// The chat and ask panels mounted in a DOM (happy-dom), with fetch mocked and
// events fed through the real events module.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import ChatPanel from '../../src/components/ChatPanel.svelte';
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

describe('ChatPanel', () => {
  it('shows stored and live messages as text, marks a waiting user, sends on Enter', async () => {
    let next = 3;
    const calls = gateway({
      'GET /api/v1/sessions/s1/chat': () => [200, { messages: [msg(1, 'technician', 'hello')], seal: null, verified: false }],
      'POST /api/v1/sessions/s1/chat': (b) => [201, msg(next++, 'technician', (b as { text: string }).text)],
    });
    app = mount(ChatPanel, { target: document.body, props: { sessionId: 's1', sessionState: 'connected' } });
    await until('the stored message', () => document.body.querySelectorAll('li[data-sender]').length === 1);
    expect(q('[data-testid="chat-waiting"]')).toBeNull();

    dispatch('chat', JSON.stringify(msg(2, 'user', '<img src=x onerror=alert(1)>help')));
    dispatch('chat', JSON.stringify({ ...msg(9, 'user', 'other session'), session_id: 's2' }));
    await until('the live message', () => document.body.querySelectorAll('li[data-sender]').length === 2);
    const li = q('li[data-sender="user"]')!;
    expect(li.textContent).toContain('<img src=x onerror=alert(1)>help');
    expect(li.querySelector('img')).toBeNull();
    expect(q('[data-testid="chat-waiting"]')?.textContent).toMatch(/waiting for your answer/);

    const input = q<HTMLTextAreaElement>('[data-testid="chat-input"]')!;
    input.value = 'line one';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const shift = new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true, cancelable: true });
    input.dispatchEvent(shift);
    expect(shift.defaultPrevented).toBe(false);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await until('the sent message', () => document.body.querySelectorAll('li[data-sender="technician"]').length === 2);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([{ text: 'line one' }]);
    expect(q<HTMLTextAreaElement>('[data-testid="chat-input"]')!.value).toBe('');
    expect(q('[data-testid="chat-waiting"]')).toBeNull();
    // The same message arriving as an event is not shown twice.
    dispatch('chat', JSON.stringify(msg(3, 'technician', 'line one')));
    flushSync();
    expect(document.body.querySelectorAll('li[data-sender]').length).toBe(3);
  });

  it('shows the bound, refuses too long, and says why a send failed', async () => {
    gateway({
      'GET /api/v1/sessions/s1/chat': () => [200, { messages: [], seal: null, verified: false }],
      'POST /api/v1/sessions/s1/chat': () => [409, { error: 'not connected', code: 'session_not_connected' }],
    });
    app = mount(ChatPanel, { target: document.body, props: { sessionId: 's1', sessionState: 'connected' } });
    const input = q<HTMLTextAreaElement>('[data-testid="chat-input"]')!;
    input.value = 'x'.repeat(2001);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    expect(q('[data-testid="chat-count"]')?.textContent).toBe('2001/2000');
    expect(q<HTMLButtonElement>('[data-testid="chat-send"]')!.disabled).toBe(true);
    input.value = 'are you there?';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    q<HTMLButtonElement>('[data-testid="chat-send"]')!.click();
    await until('the error', () => !!q('[data-testid="chat-error"]'));
    expect(q('[data-testid="chat-error"]')!.textContent).toBe("Not sent: the user's client is not connected right now.");
    expect(input.value).toBe('are you there?');
  });

  it('counts unread messages while collapsed and clears them when opened', async () => {
    gateway({ 'GET /api/v1/sessions/s1/chat': () => [200, { messages: [], seal: null, verified: false }] });
    document.title = 'Shell · Tether';
    app = mount(ChatPanel, { target: document.body, props: { sessionId: 's1', sessionState: 'connected', collapsible: true, open: false } });
    await vi.waitFor(() => expect(q('[data-testid="chat-toggle"]')).not.toBeNull());
    dispatch('chat', JSON.stringify(msg(1, 'user', 'hi')));
    dispatch('chat', JSON.stringify(msg(2, 'user', 'still there?')));
    flushSync();
    expect(q('[data-testid="chat-unread"]')?.textContent).toBe('2');
    expect(document.title).toBe('(2) Shell · Tether');
    expect(q('[data-testid="chat-waiting"]')?.textContent).toBe('User waiting');
    expect(q('[data-testid="chat-messages"]')).toBeNull();
    q<HTMLButtonElement>('[data-testid="chat-toggle"]')!.click();
    flushSync();
    expect(q('[data-testid="chat-unread"]')).toBeNull();
    expect(document.body.querySelectorAll('li[data-sender="user"]').length).toBe(2);
    expect(document.title).toBe('Shell · Tether');
  });

  it('has no input for an ended session', async () => {
    gateway({ 'GET /api/v1/sessions/s1/chat': () => [200, { messages: [msg(1, 'user', 'bye')], seal: null, verified: false }] });
    app = mount(ChatPanel, { target: document.body, props: { sessionId: 's1', sessionState: 'ended' } });
    await until('the message', () => !!q('li[data-sender="user"]'));
    expect(q('[data-testid="chat-input"]')).toBeNull();
    expect(q('[data-testid="chat-waiting"]')).toBeNull();
  });
});
