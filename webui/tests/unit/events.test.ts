import { describe, expect, it, vi } from 'vitest';
import { endReason } from '../../src/lib/events';
import * as events from '../../src/lib/events';

describe('endReason', () => {
  it('reads the reason the gateway gives for ending the stream', () => {
    expect(endReason('{"reason":"your account was disabled"}')).toBe('your account was disabled');
  });
  it('falls back to a plain sentence on junk', () => {
    expect(endReason('not json')).toBe('your sign-in ended');
    expect(endReason('{"reason":42}')).toBe('your sign-in ended');
    expect(endReason('{}')).toBe('your sign-in ended');
  });
});

describe('onLive', () => {
  it('fires each time the stream becomes live again, not for the state it starts in', async () => {
    const { connect, disconnect, onLive } = await import('../../src/lib/events');
    const made: { onopen: null | (() => void); onerror: null | (() => void); readyState: number }[] = [];
    class FakeSource {
      static CLOSED = 2;
      onopen: null | (() => void) = null;
      onerror: null | (() => void) = null;
      readyState = 0;
      constructor() {
        made.push(this);
      }
      addEventListener() {}
      close() {}
    }
    const g = globalThis as unknown as { EventSource?: unknown };
    const saved = g.EventSource;
    g.EventSource = FakeSource;
    try {
      let calls = 0;
      const off = onLive(() => calls++);
      expect(calls).toBe(0);
      connect(); // connecting
      made[0].onopen?.(); // live: what was sent before is read again
      expect(calls).toBe(1);
      made[0].onerror?.(); // reconnecting
      expect(calls).toBe(1);
      made[0].onopen?.(); // live again
      expect(calls).toBe(2);
      off();
      made[0].onerror?.();
      made[0].onopen?.();
      expect(calls).toBe(2);
      // Subscribing while live does not fire at once.
      let late = 0;
      const off2 = onLive(() => late++);
      expect(late).toBe(0);
      off2();
    } finally {
      disconnect();
      g.EventSource = saved;
    }
  });
});

describe('FreshReader', () => {
  it('reads again when an event arrives while a read is in flight', async () => {
    const answers = ['before the join', 'after the join'];
    const pending: Array<() => void> = [];
    let calls = 0;
    const r = new events.FreshReader(() => {
      const v = answers[Math.min(calls++, answers.length - 1)];
      return new Promise<string>((res) => pending.push(() => res(v)));
    });
    const got = r.read();
    expect(r.reading).toBe(true);
    r.touched(); // the session event, while the first answer is on its way
    pending.shift()!();
    await vi.waitFor(() => expect(pending.length).toBe(1));
    pending.shift()!();
    expect(await got).toBe('after the join');
    expect(calls).toBe(2);
    expect(r.reading).toBe(false);
  });

  it('reads once when nothing happened, and ignores events between reads', async () => {
    let calls = 0;
    const r = new events.FreshReader(async () => ++calls);
    r.touched();
    expect(await r.read()).toBe(1);
    r.touched();
    expect(calls).toBe(1);
  });

  it('gives up re-reading after three reads', async () => {
    let calls = 0;
    const r: events.FreshReader<number> = new events.FreshReader(async () => {
      calls++;
      r.touched(); // an event during every read
      return calls;
    });
    expect(await r.read()).toBe(3);
  });
});
