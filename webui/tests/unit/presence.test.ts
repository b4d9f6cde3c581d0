import { describe, expect, it } from 'vitest';
import type { LiveSession, LiveTicket, Session, Ticket } from '../../src/lib/api';
import { applySession, applyTicket, arrivals, countFor, counts, joinedText, ticketState, who } from '../../src/lib/presence';

const mine: LiveTicket = { id: 12, title: 'VPN drops', status: 'open', assigned_to: 'tina' };
const nobodys: LiveTicket = { id: 13, title: 'Printer', status: 'open', assigned_to: '' };
const bobs: LiveTicket = { id: 14, title: 'Mail', status: 'in_progress', assigned_to: 'bob' };

function sess(id: string, ticket: LiveTicket, state: Session['state'] = 'connected', user = 'alice'): LiveSession {
  return { id, ticket_id: ticket.id, state, scopes: ['shell'], granted: ['shell'], host: { user, hostname: 'pc' }, created_at: '2026-12-03T12:00:00Z', ticket };
}

describe('counting', () => {
  it('counts waiting and connected users on my tickets and unassigned ones, not on others', () => {
    const list = [sess('a', mine), sess('b', mine, 'waiting'), sess('c', nobodys), sess('d', bobs), sess('e', mine, 'ended')];
    expect(countFor(list, 'tina')).toBe(3);
    expect(countFor(list, 'bob')).toBe(2); // his own and the unassigned one
    expect(countFor([], 'tina')).toBe(0);
    expect(counts(sess('e', mine, 'ended'), 'tina')).toBe(false);
  });
  it('announces only sessions that count and were not there before', () => {
    const before = [sess('a', mine)];
    const after = [sess('a', mine), sess('b', mine, 'waiting'), sess('d', bobs), sess('c', nobodys)];
    expect(arrivals(before, after, 'tina').map((s) => s.id)).toEqual(['b', 'c']);
    expect(arrivals(after, after, 'tina')).toEqual([]);
  });
});

describe('applying events', () => {
  const ev = (id: string, ticket_id: number, state: Session['state']): Session => ({ id, ticket_id, state, scopes: null, granted: null, created_at: '2026-12-03T12:00:00Z' });
  it('adds a live session with its ticket, updates it, and removes it when it ends', () => {
    let list = applySession([], ev('a', 12, 'waiting'), mine)!;
    expect(list.map((s) => [s.id, s.state, s.ticket.title])).toEqual([['a', 'waiting', 'VPN drops']]);
    list = applySession(list, ev('a', 12, 'connected'), undefined)!; // the row keeps its ticket
    expect(list.map((s) => [s.id, s.state, s.ticket.id])).toEqual([['a', 'connected', 12]]);
    list = applySession(list, ev('a', 12, 'ended'), mine)!;
    expect(list).toEqual([]);
  });
  it('asks for a reload when the ticket of a new session is unknown', () => {
    expect(applySession([], ev('a', 99, 'waiting'), undefined)).toBeNull();
  });
  it('ignores junk and ended sessions it never listed', () => {
    const list = [sess('a', mine)];
    expect(applySession(list, { id: 5 } as unknown as Session, mine)).toBe(list);
    expect(applySession(list, ev('zz', 12, 'ended'), mine)).toEqual(list);
  });
  it('follows a ticket handed to someone else', () => {
    const list = [sess('a', mine), sess('c', nobodys)];
    const t: Ticket = { id: 12, title: 'VPN drops', description: '', status: 'in_progress', assigned_to: 'bob', created_at: '', updated_at: '' };
    const next = applyTicket(list, t);
    expect(next[0].ticket.assigned_to).toBe('bob');
    expect(countFor(next, 'tina')).toBe(1);
    expect(applyTicket(list, { ...t, id: 77 })).toBe(list);
  });
});

describe('words', () => {
  it('says who joined which ticket', () => {
    expect(joinedText(sess('a', mine))).toBe('alice joined ticket #12: VPN drops');
    expect(who({ ...sess('a', mine), host: { hostname: 'pc7' } })).toBe('pc7');
    expect(who({ ...sess('a', mine), host: null })).toBe('A user');
  });
  it('shows connected over waiting for a ticket', () => {
    const list = [sess('a', mine, 'waiting'), sess('b', mine, 'connected'), sess('c', nobodys, 'waiting')];
    expect(ticketState(list, 12)).toBe('connected');
    expect(ticketState(list, 13)).toBe('waiting');
    expect(ticketState(list, 14)).toBeNull();
  });
});
