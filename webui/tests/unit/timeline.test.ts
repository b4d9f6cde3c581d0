import { describe, expect, it } from 'vitest';
import { buildTimeline, auditTimeline, countsText, hiddenInputMarkers, maxHiddenMarkers } from '../../src/lib/timeline';
import { summarise } from '../../src/lib/api';
import { dispatch, on, upsert } from '../../src/lib/events';
import type { TicketDetail } from '../../src/lib/api';

describe('buildTimeline', () => {
  it('orders what the ticket holds', () => {
    const t: TicketDetail = {
      id: 3, title: 't', description: '', status: 'open', created_by: 'alice',
      created_at: '2026-11-24T10:00:00Z', updated_at: '2026-11-24T10:00:00Z',
      invites: [{ code: 'ABCD', url: '', join: '', scopes: ['shell'], ticket_id: 3, created_by: 'alice', expires_at: '', created_at: '2026-11-24T10:01:00Z', used_at: '2026-11-24T10:02:00Z' }],
      sessions: [{ id: 's1', ticket_id: 3, state: 'ended', scopes: ['shell'], granted: ['shell'], host: { hostname: 'bob-pc', user: 'bob' }, created_at: '2026-11-24T10:02:00Z', connected_at: '2026-11-24T10:02:01Z', ended_at: '2026-11-24T10:09:00Z', end_reason: 'user pressed Ctrl-C', rating: { score: 4, at: '2026-11-24T10:10:00Z' } }],
      recordings: [{ id: 'r1', ticket_id: 3, session_id: 's1', kind: 'terminal', actor: 'alice', title: '', state: 'sealed', started_at: '2026-11-24T10:03:00Z', ended_at: '2026-11-24T10:08:00Z', size: 1, url: '' }],
      reports: [{ id: 'd1', ticket_id: 3, session_id: 's1', actor: 'alice', created_at: '2026-11-24T10:04:00Z', duration_ms: 5, counts: { fail: 1, warn: 1 } }],
    };
    expect(buildTimeline(t).map((i) => i.text)).toEqual([
      'Ticket #3 created',
      'Invite created (shell)',
      'Invite ABCD used',
      'User connected from bob-pc; grants at the end: shell',
      'Shell opened (recorded)',
      'Diagnostics: 2 checks, 1 failed, 1 warnings',
      'Recording sealed',
      'Session ended: user pressed Ctrl-C',
      'User rated the help 4/5',
    ]);
  });
  it('handles null lists', () => {
    const t = { id: 1, title: '', description: '', status: 'open', created_at: '2026-11-24T10:00:00Z', updated_at: '', sessions: null, recordings: null, reports: null, invites: null } as TicketDetail;
    expect(buildTimeline(t)).toHaveLength(1);
  });
  it('audit entries keep time order', () => {
    const items = auditTimeline([
      { seq: 2, time: '2026-11-24T10:05:00Z', actor: 'a', action: 'shell.open' },
      { seq: 1, time: '2026-11-24T10:00:00Z', actor: 'a', action: 'ticket.create' },
    ]);
    expect(items.map((i) => i.text)).toEqual(['ticket create', 'shell open']);
  });
});

describe('reports', () => {
  it('countsText', () => {
    expect(countsText({ ok: 8, fail: 1, error: 1, warn: 2 })).toBe('12 checks, 2 failed, 2 warnings');
    expect(countsText(null)).toBe('0 checks, 0 failed, 0 warnings');
  });
  it('summarise counts results', () => {
    const s = summarise({ id: 'r', session_id: 's', started_at: '2026-11-24T10:00:00Z', duration_ms: 3, results: [
      { name: 'a', status: 'ok', summary: '', data: null, duration_ms: 1 },
      { name: 'b', status: 'ok', summary: '', data: null, duration_ms: 1 },
      { name: 'c', status: 'fail', summary: '', data: null, duration_ms: 1 },
    ] }, 9);
    expect(s).toEqual({ id: 'r', ticket_id: 9, session_id: 's', runbook: undefined, created_at: '2026-11-24T10:00:00Z', duration_ms: 3, counts: { ok: 2, fail: 1 } });
  });
});

describe('events', () => {
  it('dispatches parsed objects and drops junk', () => {
    const got: unknown[] = [];
    const off = on('session', (d) => got.push(d));
    dispatch('session', '{"id":"s1"}');
    dispatch('session', 'not json');
    dispatch('session', '42');
    dispatch('ticket', '{"id":1}');
    off();
    dispatch('session', '{"id":"s2"}');
    expect(got).toEqual([{ id: 's1' }]);
  });
  it('upsert replaces or prepends', () => {
    const k = (x: { id: number; v: string }) => x.id;
    expect(upsert([{ id: 1, v: 'a' }], { id: 1, v: 'b' }, k)).toEqual([{ id: 1, v: 'b' }]);
    expect(upsert([{ id: 1, v: 'a' }], { id: 2, v: 'c' }, k)).toEqual([{ id: 2, v: 'c' }, { id: 1, v: 'a' }]);
  });
});

describe('hiddenInputMarkers', () => {
  const header = '{"version":2,"width":80,"height":24}';
  it('lists the gateway\'s hidden-input markers only', () => {
    const cast = [
      header,
      '[0.5, "i", "stty -echo\\r"]',
      '[1.25, "o", "input hidden (echo off): 3 bytes"]',
      '[2.5, "m", "input hidden (echo off): 9 bytes"]',
      '[3, "m", "diagnostics ran"]',
      'not json "m"',
      '[4, "m", 7]',
      '[5.75, "m", "input hidden (echo state unknown): 1 byte"]',
      '',
    ].join('\n');
    expect(hiddenInputMarkers(cast)).toEqual({
      markers: [
        { time: 2.5, label: 'input hidden (echo off): 9 bytes' },
        { time: 5.75, label: 'input hidden (echo state unknown): 1 byte' },
      ],
      more: false,
    });
  });
  it('is bounded', () => {
    const lines = [header];
    for (let i = 0; i < maxHiddenMarkers + 5; i++) lines.push(`[${i}, "m", "input hidden (echo off): 1 byte"]`);
    const got = hiddenInputMarkers(lines.join('\n'));
    expect(got.markers).toHaveLength(maxHiddenMarkers);
    expect(got.more).toBe(true);
    expect(hiddenInputMarkers('')).toEqual({ markers: [], more: false });
    expect(hiddenInputMarkers(header)).toEqual({ markers: [], more: false });
  });
  it('names hidden-input audit entries with their length', () => {
    const items = auditTimeline([{ seq: 1, time: '2026-11-24T10:00:00Z', actor: 'alice', action: 'shell.input_hidden', details: { bytes: 9, episode: 1 } }]);
    expect(items[0].text).toBe('shell input hidden (echo off): 9 bytes');
  });
});
