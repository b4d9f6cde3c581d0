// Chat, asks for more permissions, consent method and rating: the words the
// console shows for them and the small rules behind the panels, kept out of
// the components so they can be unit-tested.

import { ALL_SCOPES, type Ask, type ChatMessage, type ChatTranscript, type ConsentMethod, type Rating, type Scope, type Session, type SessionState } from './api';

/** CHAT_MAX is the longest message the console sends, in characters (the gateway refuses longer ones). */
export const CHAT_MAX = 2000;
/** REASON_MAX bounds the reason of an ask. */
export const REASON_MAX = 500;

/** textLength counts characters as a person does (code points, not UTF-16 units). */
export function textLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** draftProblem says why a draft cannot be sent, or '' when it can. */
export function draftProblem(text: string, max = CHAT_MAX): string {
  if (text.trim() === '') return 'Write a message first.';
  const n = textLength(text);
  if (n > max) return `The message is ${n - max} character${n - max === 1 ? '' : 's'} too long (at most ${max}).`;
  return '';
}

/** isChatMessage checks the shape of a message from the gateway (an event may be anything). */
export function isChatMessage(m: unknown): m is ChatMessage {
  if (!m || typeof m !== 'object') return false;
  const x = m as Record<string, unknown>;
  return (
    typeof x.id === 'string' && typeof x.session_id === 'string' && typeof x.seq === 'number' &&
    (x.sender === 'user' || x.sender === 'technician') && typeof x.text === 'string' && typeof x.at === 'string'
  );
}

/** mergeMessages adds messages to a list once each (by id), in the session's order (seq). */
export function mergeMessages(list: ChatMessage[], add: ChatMessage[]): ChatMessage[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of add) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq || a.at.localeCompare(b.at));
}

/**
 * waitingSince: when the user's messages are the last ones, the time of the
 * first of them (the user is waiting for an answer since then); '' otherwise.
 */
export function waitingSince(list: ChatMessage[]): string {
  let since = '';
  for (let i = list.length - 1; i >= 0 && list[i].sender === 'user'; i--) since = list[i].at;
  return since;
}

/** unreadCount counts the user's messages after the last one the technician has seen. */
export function unreadCount(list: ChatMessage[], seenSeq: number): number {
  return list.filter((m) => m.sender === 'user' && m.seq > seenSeq).length;
}

/** lastSeq is the highest seq in a list (0 when empty). */
export function lastSeq(list: ChatMessage[]): number {
  return list.reduce((n, m) => Math.max(n, m.seq), 0);
}

/** clockTime shows "15:04" in local time ('' for a bad time). */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

const consentWords: Record<string, string> = {
  window: 'asked in the consent window',
  terminal: "asked on the client's terminal",
  flag: 'given on the command line (--accept), not asked',
};

/** consentText says how the user gave consent to a session. */
export function consentText(method: ConsentMethod | string | undefined | null): string {
  return consentWords[method ?? ''] ?? 'not recorded (older client)';
}

/** ratingText shows a rating as "4/5" ('' when there is none or it is out of range). */
export function ratingText(r: Rating | null | undefined): string {
  if (!r || !Number.isInteger(r.score) || r.score < 1 || r.score > 5) return '';
  return `${r.score}/5`;
}

/** ratingStars shows a rating as ★★★★☆. */
export function ratingStars(r: Rating | null | undefined): string {
  if (!ratingText(r)) return '';
  return '★'.repeat(r!.score) + '☆'.repeat(5 - r!.score);
}

export type SealState = 'live' | 'verified' | 'unverified' | 'empty';

/** sealState: live while the session runs; after it ended, verified or not against the seal. */
export function sealState(t: ChatTranscript, state: SessionState): SealState {
  if (state !== 'ended' && !t.seal) return 'live';
  const n = (t.messages ?? []).length;
  if (!t.seal) return n === 0 ? 'empty' : 'unverified';
  return t.verified && t.seal.messages === n ? 'verified' : 'unverified';
}

export const SEAL_WORDS: Record<SealState, string> = {
  live: 'live: sealed when the session ends',
  verified: 'sealed ✓ verified against the audit trail',
  unverified: 'not verified ✗ the stored messages do not match the seal',
  empty: 'no messages',
};

/** askable are the scopes a technician can still ask for in a session. */
export function askable(s: Pick<Session, 'granted'>): Scope[] {
  const g = s.granted ?? [];
  return ALL_SCOPES.filter((x) => !g.includes(x));
}

/**
 * askScopes is what an ask names: the chosen scopes, plus screen when control
 * is chosen without it (the client never grants control without screen).
 */
export function askScopes(chosen: Scope[], granted: Scope[] | null): Scope[] {
  const g = granted ?? [];
  const out = ALL_SCOPES.filter((x) => chosen.includes(x) && !g.includes(x));
  if (out.includes('control') && !g.includes('screen') && !out.includes('screen')) out.splice(out.indexOf('control'), 0, 'screen');
  return out;
}

/** askText says where an ask stands: pending, allowed X (not Y), declined, cancelled. */
export function askText(a: Ask): string {
  if (a.state === 'pending') return 'pending: waiting for the user to answer';
  if (a.state === 'cancelled') return 'cancelled (the session ended before the user answered)';
  const asked = a.scopes ?? [];
  const allowed = (a.allowed ?? []).filter((x) => asked.includes(x));
  const via = a.via ? ` (in the ${a.via})` : '';
  if (allowed.length === 0) return `declined ${asked.join(', ')}${via}`;
  const not = asked.filter((x) => !allowed.includes(x));
  return `allowed ${allowed.join(', ')}${not.length ? `; declined ${not.join(', ')}` : ''}${via}`;
}

/** isAsk checks the shape of an ask from the gateway. */
export function isAsk(a: unknown): a is Ask {
  if (!a || typeof a !== 'object') return false;
  const x = a as Record<string, unknown>;
  return typeof x.id === 'string' && typeof x.session_id === 'string' && typeof x.state === 'string';
}

/** latestAsk is the newest ask of a list ('created_at' order), or null. */
export function latestAsk(list: Ask[]): Ask | null {
  let best: Ask | null = null;
  for (const a of list) if (!best || a.created_at > best.created_at) best = a;
  return best;
}
