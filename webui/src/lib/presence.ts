// Live presence: which users are waiting or connected, across tickets.
//
// One store for the whole console, fed by the list endpoint (GET
// /sessions?state=live, loaded at start and again whenever the event
// stream comes (back) up) and by the stream's `session` and `ticket`
// events. It counts the users waiting or connected on my tickets and on
// unassigned ones (the page title and the "Live now" badge show that
// count) and, when a new user joins one of those, shows a browser
// notification and plays a short beep, each only when turned on.

import { api, type LiveSession, type LiveTicket, type Session, type Ticket } from './api';
import * as events from './events';
import { navigate } from './router';

export type LiveState = 'waiting' | 'connected';

/** isLive reports whether a session state is one the board shows. */
export function isLive(state: unknown): state is LiveState {
  return state === 'waiting' || state === 'connected';
}

/** counts reports whether a live session counts for me: its ticket is mine or nobody's. */
export function counts(s: LiveSession, me: string): boolean {
  return isLive(s.state) && (s.ticket.assigned_to === me || !s.ticket.assigned_to);
}

/** countFor is the number of live sessions that count for me. */
export function countFor(list: LiveSession[], me: string): number {
  return list.filter((s) => counts(s, me)).length;
}

/** arrivals are the sessions in after that count for me and were not in before. */
export function arrivals(before: LiveSession[], after: LiveSession[], me: string): LiveSession[] {
  const seen = new Set(before.map((s) => s.id));
  return after.filter((s) => counts(s, me) && !seen.has(s.id));
}

/**
 * applySession folds one `session` event into the list: an ended session
 * leaves it, a live one is updated or added with its ticket. ticket is
 * undefined when the ticket is not known yet (the caller reloads).
 */
export function applySession(list: LiveSession[], ev: Session, ticket: LiveTicket | undefined): LiveSession[] | null {
  if (typeof ev.id !== 'string' || typeof ev.ticket_id !== 'number') return list;
  if (!isLive(ev.state)) return list.filter((s) => s.id !== ev.id);
  const old = list.find((s) => s.id === ev.id);
  const t = ticket ?? old?.ticket;
  if (!t) return null;
  const row: LiveSession = { ...ev, ticket: t };
  if (!old) return [...list, row];
  return list.map((s) => (s.id === ev.id ? row : s));
}

/** applyTicket folds one `ticket` event into the list (a new assignee, title or status). */
export function applyTicket(list: LiveSession[], t: Ticket): LiveSession[] {
  if (typeof t.id !== 'number' || !list.some((s) => s.ticket.id === t.id)) return list;
  const lt: LiveTicket = { id: t.id, title: t.title, status: t.status, assigned_to: t.assigned_to ?? '' };
  return list.map((s) => (s.ticket.id === t.id ? { ...s, ticket: lt } : s));
}

/** ticketState is the best live state of a ticket's sessions: connected beats waiting. */
export function ticketState(list: LiveSession[], ticketId: number): LiveState | null {
  let best: LiveState | null = null;
  for (const s of list) {
    if (s.ticket.id !== ticketId) continue;
    if (s.state === 'connected') return 'connected';
    if (s.state === 'waiting') best = 'waiting';
  }
  return best;
}

/** who names the user of a session for a notification: the OS user, else the machine. */
export function who(s: Session): string {
  const u = s.host?.user?.trim() || s.host?.hostname?.trim();
  if (!u) return 'A user';
  return u.length > 40 ? u.slice(0, 40) + '…' : u;
}

/** joinedText is the notification's text: "alice joined ticket #12: VPN drops". */
export function joinedText(s: LiveSession): string {
  const title = s.ticket.title.length > 80 ? s.ticket.title.slice(0, 80) + '…' : s.ticket.title;
  return `${who(s)} joined ticket #${s.ticket.id}: ${title}`;
}

// ---- the store ----

export interface Snapshot {
  sessions: LiveSession[];
  /** live sessions on my tickets and on unassigned ones */
  count: number;
  loaded: boolean;
  error: string;
}

type Listener = (s: Snapshot) => void;
const listeners = new Set<Listener>();
let me = '';
let sessions: LiveSession[] = [];
let loaded = false;
let error = '';
let stops: (() => void)[] = [];
let generation = 0;

function snapshot(): Snapshot {
  return { sessions, count: countFor(sessions, me), loaded, error };
}

function emit(): void {
  const s = snapshot();
  for (const l of listeners) l(s);
}

/** subscribe follows the store; it is called at once with the current state. */
export function subscribe(l: Listener): () => void {
  listeners.add(l);
  l(snapshot());
  return () => listeners.delete(l);
}

/** set replaces the list, announcing the sessions that arrived (never on the first load). */
function set(next: LiveSession[]): void {
  const came = loaded ? arrivals(sessions, next, me) : [];
  sessions = next;
  emit();
  for (const s of came) announce(s);
}

// An event while the list is on its way makes it read again: the answer may predate the event.
const reader = new events.FreshReader(() => api.liveSessions('live'));

/** reload fetches the list from the gateway. */
export async function reload(): Promise<void> {
  const g = generation;
  try {
    const list = (await reader.read()) ?? [];
    if (g !== generation) return;
    error = '';
    set(list);
    loaded = true;
    emit();
  } catch (e) {
    if (g !== generation) return;
    error = (e as Error).message || 'could not load the live sessions';
    emit();
  }
}

/** start runs the store for the signed-in user name (idempotent per user). */
export function start(user: string): void {
  if (stops.length && me === user) return;
  stop();
  me = user;
  stops = [
    events.on<Session>('session', (ev) => {
      reader.touched();
      const known = sessions.find((s) => s.ticket.id === ev.ticket_id)?.ticket;
      const next = applySession(sessions, ev, known);
      if (next === null) void reload();
      else if (next !== sessions) set(next);
    }),
    events.on<Ticket>('ticket', (t) => {
      reader.touched();
      const next = applyTicket(sessions, t);
      if (next !== sessions) set(next);
    }),
    events.onState((st) => {
      if (st === 'live') void reload();
    }),
  ];
  void reload();
}

/** stop forgets everything (sign out). */
export function stop(): void {
  for (const s of stops) s();
  stops = [];
  generation++;
  sessions = [];
  loaded = false;
  error = '';
  me = '';
  emit();
}

// ---- notifications and sound (opt-in, kept in localStorage) ----

const NOTIFY_KEY = 'tether.presence.notify';
const SOUND_KEY = 'tether.presence.sound';

function stored(key: string): boolean {
  try {
    return localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function store(key: string, on: boolean): void {
  try {
    if (on) localStorage.setItem(key, '1');
    else localStorage.removeItem(key);
  } catch {
    /* private mode: the toggle lasts for this page only */
  }
}

export type NotifyState = 'on' | 'off' | 'blocked' | 'unsupported';

/** notifyState says whether notifications are on, off, blocked by the browser or not supported. */
export function notifyState(): NotifyState {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return stored(NOTIFY_KEY) && Notification.permission === 'granted' ? 'on' : 'off';
}

/** enableNotifications asks the browser for permission and turns notifications on when given. */
export async function enableNotifications(): Promise<NotifyState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  let p: NotificationPermission = Notification.permission;
  if (p === 'default') p = await Notification.requestPermission();
  if (p === 'granted') store(NOTIFY_KEY, true);
  return notifyState();
}

export function disableNotifications(): void {
  store(NOTIFY_KEY, false);
}

export function soundOn(): boolean {
  return stored(SOUND_KEY);
}

export function setSound(on: boolean): void {
  store(SOUND_KEY, on);
  if (on) beep();
}

/** beep plays a short, quiet tone through WebAudio. */
export function beep(): void {
  try {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.08;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.15);
    osc.onended = () => void ctx.close();
  } catch {
    /* no audio: the title and the badge still say it */
  }
}

/** announce tells me a user joined, as I chose: a notification, a beep. */
function announce(s: LiveSession): void {
  if (soundOn()) beep();
  if (notifyState() !== 'on') return;
  try {
    const n = new Notification(joinedText(s), { tag: `tether-session-${s.id}`, body: s.host?.hostname ? `on ${s.host.hostname}` : undefined });
    n.onclick = () => {
      window.focus();
      navigate(`/tickets/${s.ticket.id}/workspace`);
      n.close();
    };
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}
