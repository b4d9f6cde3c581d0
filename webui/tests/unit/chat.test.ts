import { describe, expect, it, vi } from 'vitest';
import { api, setFetch, type Ask, type ChatMessage } from '../../src/lib/api';
import {
  askable, askScopes, askText, CHAT_MAX, consentText, draftProblem, isAsk, isChatMessage, lastSeq, latestAsk,
  mergeMessages, ratingStars, ratingText, sealState, textLength, unreadCount, waitingSince,
} from '../../src/lib/chat';
import { dispatch, EVENT_NAMES, on } from '../../src/lib/events';

function msg(seq: number, sender: 'user' | 'technician', text = `m${seq}`): ChatMessage {
  return { id: `c${seq}`, session_id: 's1', seq, sender, author: sender === 'user' ? 'maria' : 'alice', text, at: `2026-12-02T10:0${seq}:00Z` };
}

function ask(p: Partial<Ask>): Ask {
  return { id: 'a1', session_id: 's1', scopes: ['screen', 'control'], reason: 'r', state: 'pending', technician: 'alice', created_at: '2026-12-02T10:00:00Z', ...p };
}

describe('chat api calls', () => {
  it('lists, sends, asks with the contract paths and bodies', async () => {
    const f = vi.fn(async () => new Response('{}', { status: 200 }));
    setFetch(f);
    await api.chatList('s/1');
    await api.chatSend('s1', 'hello\nthere');
    await api.askCreate('s1', ['screen'], 'to see the dialog');
    await api.askList('s1');
    const calls = f.mock.calls.map((c) => c as unknown as [string, RequestInit]);
    expect(calls.map(([u, i]) => `${i.method} ${u}`)).toEqual([
      'GET /api/v1/sessions/s%2F1/chat',
      'POST /api/v1/sessions/s1/chat',
      'POST /api/v1/sessions/s1/asks',
      'GET /api/v1/sessions/s1/asks',
    ]);
    expect(JSON.parse(calls[1][1].body as string)).toEqual({ text: 'hello\nthere' });
    expect(JSON.parse(calls[2][1].body as string)).toEqual({ scopes: ['screen'], reason: 'to see the dialog' });
  });

  it('keeps the code of a refused ask', async () => {
    setFetch(vi.fn(async () => new Response(JSON.stringify({ error: 'the client cannot ask', code: 'ask_refused' }), { status: 409 })));
    await expect(api.askCreate('s1', ['shell'], 'x')).rejects.toMatchObject({ status: 409, code: 'ask_refused' });
  });
});

describe('chat and ask events', () => {
  it('are part of the stream and reach subscribers', () => {
    expect(EVENT_NAMES).toContain('chat');
    expect(EVENT_NAMES).toContain('ask');
    const got: unknown[] = [];
    const off = on('chat', (d) => got.push(d));
    dispatch('chat', JSON.stringify(msg(1, 'user')));
    dispatch('ask', JSON.stringify(ask({})));
    off();
    expect(got).toEqual([msg(1, 'user')]);
  });
});

describe('drafts', () => {
  it('refuses empty and too long messages, counting characters not UTF-16 units', () => {
    expect(draftProblem('  \n ')).toBe('Write a message first.');
    expect(draftProblem('ok')).toBe('');
    expect(textLength('😀😀')).toBe(2);
    expect(draftProblem('😀'.repeat(CHAT_MAX))).toBe('');
    expect(draftProblem('x'.repeat(CHAT_MAX + 1))).toBe('The message is 1 character too long (at most 2000).');
    expect(draftProblem('x'.repeat(CHAT_MAX + 3))).toMatch(/3 characters too long/);
  });
});

describe('messages', () => {
  it('checks the shape of an event', () => {
    expect(isChatMessage(msg(1, 'user'))).toBe(true);
    expect(isChatMessage({ ...msg(1, 'user'), sender: 'admin' })).toBe(false);
    expect(isChatMessage({ ...msg(1, 'user'), text: 5 })).toBe(false);
    expect(isChatMessage(null)).toBe(false);
  });
  it('merges once per id, in seq order', () => {
    const l = mergeMessages([msg(2, 'user')], [msg(1, 'technician'), msg(3, 'user'), msg(2, 'user')]);
    expect(l.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(lastSeq(l)).toBe(3);
    expect(lastSeq([])).toBe(0);
  });
  it('knows when the user waits for an answer, and since when', () => {
    expect(waitingSince([])).toBe('');
    expect(waitingSince([msg(1, 'user'), msg(2, 'technician')])).toBe('');
    expect(waitingSince([msg(1, 'technician'), msg(2, 'user'), msg(3, 'user')])).toBe(msg(2, 'user').at);
  });
  it('counts unread user messages', () => {
    const l = [msg(1, 'user'), msg(2, 'technician'), msg(3, 'user'), msg(4, 'user')];
    expect(unreadCount(l, 0)).toBe(3);
    expect(unreadCount(l, 3)).toBe(1);
    expect(unreadCount(l, 4)).toBe(0);
  });
});

describe('consent, rating, seal', () => {
  it('words the consent method', () => {
    expect(consentText('window')).toBe('asked in the consent window');
    expect(consentText('terminal')).toBe("asked on the client's terminal");
    expect(consentText('flag')).toBe('given on the command line (--accept), not asked');
    expect(consentText('')).toBe('not recorded (older client)');
    expect(consentText(undefined)).toBe('not recorded (older client)');
    expect(consentText('<b>x</b>')).toBe('not recorded (older client)');
  });
  it('shows ratings 1 to 5 only', () => {
    expect(ratingText({ score: 4, at: '' })).toBe('4/5');
    expect(ratingStars({ score: 4, at: '' })).toBe('★★★★☆');
    expect(ratingText({ score: 0, at: '' })).toBe('');
    expect(ratingText({ score: 6, at: '' })).toBe('');
    expect(ratingText(null)).toBe('');
    expect(ratingStars(null)).toBe('');
  });
  it('tells a live, verified, and broken transcript apart', () => {
    const two = [msg(1, 'user'), msg(2, 'technician')];
    expect(sealState({ messages: two, seal: null, verified: false }, 'connected')).toBe('live');
    expect(sealState({ messages: two, seal: { sha256: 'ab', messages: 2 }, verified: true }, 'ended')).toBe('verified');
    expect(sealState({ messages: two, seal: { sha256: 'ab', messages: 2 }, verified: false }, 'ended')).toBe('unverified');
    expect(sealState({ messages: two, seal: { sha256: 'ab', messages: 3 }, verified: true }, 'ended')).toBe('unverified');
    expect(sealState({ messages: two, seal: null, verified: false }, 'ended')).toBe('unverified');
    expect(sealState({ messages: null, seal: null, verified: false }, 'ended')).toBe('empty');
  });
});

describe('asks', () => {
  it('offers only what is not granted', () => {
    expect(askable({ granted: ['diagnostics', 'shell'] })).toEqual(['screen', 'control', 'files']);
    expect(askable({ granted: null })).toEqual(['diagnostics', 'shell', 'screen', 'control', 'files']);
  });
  it('adds screen to control, drops granted ones, keeps a stable order', () => {
    expect(askScopes(['control'], ['shell'])).toEqual(['screen', 'control']);
    expect(askScopes(['control'], ['screen'])).toEqual(['control']);
    expect(askScopes(['shell', 'diagnostics'], ['shell'])).toEqual(['diagnostics']);
    expect(askScopes([], null)).toEqual([]);
  });
  it('says where an ask stands', () => {
    expect(askText(ask({}))).toBe('pending: waiting for the user to answer');
    expect(askText(ask({ state: 'answered', allowed: ['screen'], via: 'window' }))).toBe('allowed screen; declined control (in the window)');
    expect(askText(ask({ state: 'answered', allowed: ['screen', 'control'] }))).toBe('allowed screen, control');
    expect(askText(ask({ state: 'answered', allowed: [] }))).toBe('declined screen, control');
    expect(askText(ask({ state: 'answered', allowed: ['shell'] }))).toBe('declined screen, control');
    expect(askText(ask({ state: 'cancelled' }))).toMatch(/^cancelled/);
  });
  it('finds the newest ask and checks shapes', () => {
    expect(latestAsk([])).toBeNull();
    expect(latestAsk([ask({ id: 'a', created_at: '2026-12-02T10:00:00Z' }), ask({ id: 'b', created_at: '2026-12-02T11:00:00Z' })])?.id).toBe('b');
    expect(isAsk(ask({}))).toBe(true);
    expect(isAsk({ id: 1 })).toBe(false);
  });
});
