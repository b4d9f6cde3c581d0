// The one live event stream: a single EventSource on /api/v1/events shared
// by every page. Pages subscribe to event names and get parsed objects.

export type EventName = 'session' | 'ticket' | 'recording' | 'report' | 'audit' | 'diag' | 'chat' | 'ask' | 'note' | 'invite' | 'file';
export const EVENT_NAMES: EventName[] = ['session', 'ticket', 'recording', 'report', 'audit', 'diag', 'chat', 'ask', 'note', 'invite', 'file'];
export type StreamState = 'off' | 'connecting' | 'live' | 'reconnecting';

type Handler = (data: unknown) => void;

const handlers = new Map<EventName, Set<Handler>>();
const endListeners = new Set<(reason: string) => void>();
const stateListeners = new Set<(s: StreamState) => void>();
let source: EventSource | null = null;
let state: StreamState = 'off';

function setState(s: StreamState): void {
  state = s;
  for (const l of stateListeners) l(s);
}

/** dispatch parses one event's data and hands it to the subscribers. */
export function dispatch(name: EventName, raw: string): void {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return; // a malformed event is dropped, never shown
  }
  if (!data || typeof data !== 'object') return;
  for (const h of handlers.get(name) ?? []) h(data);
}

/** connect opens the stream if it is not open. */
export function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  setState('connecting');
  const es = new EventSource('/api/v1/events', { withCredentials: true });
  source = es;
  es.onopen = () => setState('live');
  // EventSource reconnects by itself after an error unless it is CLOSED.
  es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
  for (const n of EVENT_NAMES) es.addEventListener(n, (ev) => dispatch(n, (ev as MessageEvent).data));
  // The gateway ends the stream when the user loses the right to it
  // (signed out elsewhere, disabled, token expired): stop, and say why.
  es.addEventListener('end', (ev) => {
    disconnect();
    const reason = endReason((ev as MessageEvent).data);
    for (const l of endListeners) l(reason);
  });
}

/** endReason reads the reason of an "end" event, as text. */
export function endReason(raw: string): string {
  try {
    const d = JSON.parse(raw) as { reason?: unknown };
    if (typeof d.reason === 'string' && d.reason) return d.reason;
  } catch {
    /* fall through */
  }
  return 'your sign-in ended';
}

/** onEnd is told when the gateway ends the stream, with the reason. */
export function onEnd(l: (reason: string) => void): () => void {
  endListeners.add(l);
  return () => endListeners.delete(l);
}

/** disconnect closes the stream (sign out). */
export function disconnect(): void {
  source?.close();
  source = null;
  setState('off');
}

/** on subscribes to one event name; returns the unsubscribe function. */
export function on<T = unknown>(name: EventName, h: (data: T) => void): () => void {
  let set = handlers.get(name);
  if (!set) handlers.set(name, (set = new Set()));
  const fn = h as Handler;
  set.add(fn);
  return () => set.delete(fn);
}

/** onState follows the stream's state. */
export function onState(l: (s: StreamState) => void): () => void {
  stateListeners.add(l);
  l(state);
  return () => stateListeners.delete(l);
}

/** upsert replaces the item with the same key or puts it first. */
export function upsert<T>(list: T[], item: T, key: (x: T) => unknown): T[] {
  const k = key(item);
  const i = list.findIndex((x) => key(x) === k);
  if (i < 0) return [item, ...list];
  const out = list.slice();
  out[i] = item;
  return out;
}

/**
 * onLive calls fn each time the stream becomes live after it was not (it
 * was connecting, reconnecting or off), never for the state it is in when
 * called: a page that loaded its data reads it again then, so that an event
 * sent before the stream was live (or while it was down) is not missed.
 */
export function onLive(fn: () => void): () => void {
  let prev: StreamState | undefined;
  return onState((s) => {
    if (s === 'live' && prev !== undefined && prev !== 'live') fn();
    prev = s;
  });
}

/**
 * FreshReader reads a page's data so that no event is lost to a race: the
 * answer of a read may predate an event that arrives (or a stream that
 * becomes live) while the read is in flight, and the page would then
 * overwrite what the event brought with an older picture. touched() during
 * a read makes it read again (at most three times in all).
 */
export class FreshReader<T> {
  private inFlight = 0;
  private dirty = false;
  constructor(private readonly fetch: () => Promise<T>) {}

  /** touched tells the reader an event arrived: a read in flight reads again. */
  touched(): void {
    if (this.inFlight > 0) this.dirty = true;
  }

  /** reading is true while a read is in flight. */
  get reading(): boolean {
    return this.inFlight > 0;
  }

  async read(): Promise<T> {
    this.inFlight++;
    try {
      for (let i = 0; ; i++) {
        this.dirty = false;
        const v = await this.fetch();
        if (!this.dirty || i >= 2) return v;
      }
    } finally {
      this.inFlight--;
    }
  }
}
