import { describe, expect, it } from 'vitest';
import { CHUNK_HEADER, GAP_GRACE_MS, RateMeter, Reassembler, SeqTracker, formatRate, keyAllowed, parseFrame, toScreenPoint, type Frame } from '../../src/lib/screen';
import { parseRecording, seekPlan } from '../../src/lib/screenrec';

// frameRecord builds a frame record the way internal/wire does (big-endian).
function frameRecord(seq: number, key: boolean, tiles: { x: number; y: number; w: number; h: number }[], width = 128, height = 64): Uint8Array {
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
  const size = 24 + tiles.length * (13 + jpeg.length);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, size - 4);
  b[4] = 1;
  b[5] = key ? 1 : 0;
  dv.setUint32(6, seq);
  dv.setBigUint64(10, BigInt(seq * 66));
  dv.setUint16(18, width);
  dv.setUint16(20, height);
  dv.setUint16(22, tiles.length);
  let p = 24;
  for (const t of tiles) {
    dv.setUint16(p, t.x);
    dv.setUint16(p + 2, t.y);
    dv.setUint16(p + 4, t.w);
    dv.setUint16(p + 6, t.h);
    b[p + 8] = 70;
    dv.setUint32(p + 9, jpeg.length);
    b.set(jpeg, p + 13);
    p += 13 + jpeg.length;
  }
  return b;
}

describe('parseFrame', () => {
  it('decodes a keyframe', () => {
    const f = parseFrame(frameRecord(7, true, [{ x: 0, y: 0, w: 64, h: 64 }, { x: 64, y: 0, w: 64, h: 64 }]));
    expect(f).toMatchObject({ seq: 7, timeMs: 462, width: 128, height: 64, key: true });
    expect(f.tiles.map((t) => [t.x, t.w, t.quality, t.jpeg.length])).toEqual([[0, 64, 70, 4], [64, 64, 70, 4]]);
  });
  const bad: [string, (b: Uint8Array) => Uint8Array][] = [
    ['short', (b) => b.subarray(0, 10)],
    ['length prefix', (b) => { new DataView(b.buffer).setUint32(0, 1); return b; }],
    ['type', (b) => { b[4] = 3; return b; }],
    ['flags', (b) => { b[5] = 2; return b; }],
    ['tile outside', (b) => { new DataView(b.buffer).setUint16(24, 100); return b; }],
    ['not a JPEG', (b) => { b[37] = 0; return b; }],
    ['trailing', (b) => { const c = new Uint8Array(b.length + 1); c.set(b); new DataView(c.buffer).setUint32(0, c.length - 4); return c; }],
  ];
  for (const [name, mangle] of bad) {
    it(`refuses ${name}`, () => expect(() => parseFrame(mangle(frameRecord(1, true, [{ x: 0, y: 0, w: 64, h: 64 }])))).toThrow());
  }
});

function chunks(msg: number, rec: Uint8Array, size: number): Uint8Array[] {
  const n = Math.max(1, Math.ceil(rec.length / size));
  const out = [];
  for (let i = 0; i < n; i++) {
    const part = rec.subarray(i * size, (i + 1) * size);
    const c = new Uint8Array(CHUNK_HEADER + part.length);
    const dv = new DataView(c.buffer);
    dv.setUint32(0, msg);
    dv.setUint16(4, i);
    dv.setUint16(6, n);
    c.set(part, CHUNK_HEADER);
    out.push(c);
  }
  return out;
}

describe('Reassembler', () => {
  it('joins chunks in any order and drops stale messages', () => {
    const rec = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const r = new Reassembler();
    const cs = chunks(5, rec, 300).reverse();
    const outs = cs.map((c) => r.add(c));
    expect(outs.slice(0, -1).every((o) => o === null)).toBe(true);
    expect(outs.at(-1)).toEqual(rec);
    expect(r.add(chunks(4, rec, 2000)[0])).toBeNull();
    expect(r.add(chunks(6, new Uint8Array([9]), 10)[0])).toEqual(new Uint8Array([9]));
  });
  it('refuses bad headers', () => {
    expect(() => new Reassembler().add(new Uint8Array(3))).toThrow();
    expect(() => new Reassembler().add(new Uint8Array([0, 0, 0, 1, 0, 2, 0, 2]))).toThrow();
  });
});

describe('SeqTracker', () => {
  const f = (seq: number, key = false) => ({ seq, key }) as Frame;
  const seqs = (fs: Frame[]) => fs.map((x) => x.seq);
  it('waits for a keyframe, then paints in sequence', () => {
    const s = new SeqTracker();
    expect(s.waitingForKey).toBe(true);
    expect(s.needKey(0)).toBe(true); // no picture yet: ask
    expect(seqs(s.accept(f(3), 0))).toEqual([]); // a delta without its keyframe is kept, not painted
    expect(seqs(s.accept(f(4, true), 1))).toEqual([4]);
    expect(s.waitingForKey).toBe(false);
    expect(s.needKey(1)).toBe(false);
    expect(seqs(s.accept(f(5), 2))).toEqual([5]);
  });
  it('paints deltas that overtook their keyframe once it arrives (two channels)', () => {
    const s = new SeqTracker();
    expect(seqs(s.accept(f(11), 0))).toEqual([]);
    expect(seqs(s.accept(f(12), 5))).toEqual([]);
    expect(seqs(s.accept(f(9), 6))).toEqual([]);
    expect(seqs(s.accept(f(10, true), 10))).toEqual([10, 11, 12]); // 9 is older than the keyframe: dropped
    expect(seqs(s.accept(f(13), 11))).toEqual([13]);
    expect(s.needKey(11)).toBe(false);
  });
  it('holds a gap open for the grace period, then asks for a keyframe', () => {
    const s = new SeqTracker();
    s.accept(f(1, true), 0);
    expect(seqs(s.accept(f(3), 100))).toEqual([]); // 2 is missing
    expect(s.needKey(100 + GAP_GRACE_MS - 1)).toBe(false);
    expect(seqs(s.accept(f(2), 150))).toEqual([2, 3])  // it came late: no keyframe needed
    expect(s.needKey(1000)).toBe(false);
    expect(seqs(s.accept(f(5), 1000))).toEqual([]); // 4 is lost
    expect(s.needKey(1000 + GAP_GRACE_MS)).toBe(true);
    expect(seqs(s.accept(f(6, true), 1400))).toEqual([6]); // the refresh
    expect(s.needKey(1400)).toBe(false);
  });
  it('ignores stale frames and keyframes older than the picture', () => {
    const s = new SeqTracker();
    s.accept(f(7, true), 0);
    s.accept(f(8), 0);
    expect(seqs(s.accept(f(8), 1))).toEqual([]);
    expect(seqs(s.accept(f(6, true), 1))).toEqual([]);
    expect(seqs(s.accept(f(8, true), 1))).toEqual([]); // the picture is at 8 already
    expect(seqs(s.accept(f(9, true), 1))).toEqual([9]); // a keyframe at the next seq is fine
    expect(s.needKey(5000)).toBe(false);
  });
  it('survives the 32-bit wrap and bounds what it keeps', () => {
    const s = new SeqTracker();
    s.accept(f(0xffffffff, true), 0);
    expect(seqs(s.accept(f(0), 1))).toEqual([0]);
    for (let i = 2; i < 200; i++) s.accept(f(i), 2); // 1 lost, 198 ahead: only the newest 64 are kept
    expect(seqs(s.accept(f(1), 3))).toEqual([1]);
    expect(s.needKey(3 + GAP_GRACE_MS)).toBe(true);
  });
  it('restart waits for a keyframe again', () => {
    const s = new SeqTracker();
    s.accept(f(1, true), 0);
    s.restart();
    expect(s.needKey(0)).toBe(true);
    expect(seqs(s.accept(f(2), 0))).toEqual([]);
    expect(seqs(s.accept(f(3, true), 0))).toEqual([3]);
  });
});

describe('helpers', () => {
  it('maps pointer positions to screen pixels', () => {
    const rect = { left: 10, top: 20, width: 640, height: 360 };
    expect(toScreenPoint(10, 20, rect, 1920, 1080)).toEqual({ x: 0, y: 0 });
    expect(toScreenPoint(330, 200, rect, 1920, 1080)).toEqual({ x: 960, y: 540 });
    expect(toScreenPoint(9999, -5, rect, 1920, 1080)).toEqual({ x: 1919, y: 0 });
  });
  it('measures rates over its window', () => {
    const m = new RateMeter(1000);
    for (let t = 0; t < 1000; t += 100) m.add(1000, t);
    expect(m.rates(999)).toEqual({ fps: 10, bytesPerSec: 10000 });
    expect(m.rates(5000).fps).toBe(0);
  });
  it('filters keys and formats rates', () => {
    expect(['a', 'Enter', 'ArrowLeft'].every(keyAllowed)).toBe(true);
    expect(['', '\n', 'Unidentified', 'x'.repeat(33)].some(keyAllowed)).toBe(false);
    expect([formatRate(12), formatRate(12_300), formatRate(2_500_000)]).toEqual(['12 B/s', '12 kB/s', '2.5 MB/s']);
  });
});

// recording builds a .tsr file as gateway/internal/screenrec writes it.
function recording(frames: [number, Uint8Array][], sealed: boolean): ArrayBuffer {
  const enc = new TextEncoder();
  const hdr = enc.encode(JSON.stringify({ version: 1, started_at: '2026-11-24T10:00:00Z', width: 128, height: 64 }));
  const parts: Uint8Array[] = [enc.encode('TSREC01\n'), u32(hdr.length), hdr];
  let off = 12 + hdr.length;
  const keys: [number, number][] = [];
  for (const [t, rec] of frames) {
    if (rec[5] & 1) keys.push([t, off]);
    parts.push(u64(t), rec);
    off += 8 + rec.length;
  }
  if (sealed) {
    const idx = new Uint8Array(16 * keys.length);
    const dv = new DataView(idx.buffer);
    keys.forEach(([t, o], i) => { dv.setBigUint64(i * 16, BigInt(t)); dv.setBigUint64(i * 16 + 8, BigInt(o)); });
    parts.push(u64(frames.at(-1)![0] + 50), u32(1 + idx.length), new Uint8Array([4]), idx, u64(off), enc.encode('TSRINDEX'));
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const x of parts) { out.set(x, p); p += x.length; }
  return out.buffer;
}
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return b; };
const u64 = (n: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n)); return b; };

describe('parseRecording', () => {
  const t = [{ x: 0, y: 0, w: 64, h: 64 }];
  const frames: [number, Uint8Array][] = [[0, frameRecord(0, true, t)], [100, frameRecord(1, false, t)], [200, frameRecord(2, true, t)], [300, frameRecord(3, false, t)]];
  it('reads a sealed file with its index', () => {
    const r = parseRecording(recording(frames, true));
    expect([r.sealed, r.truncated, r.entries.length, r.keyframes, r.durationMs]).toEqual([true, false, 4, [0, 2], 350]);
    expect(seekPlan(r, 250)).toEqual({ from: 2, to: 2 });
    expect(seekPlan(r, 150)).toEqual({ from: 0, to: 1 });
    expect(seekPlan(r, 1e9)).toEqual({ from: 2, to: 3 });
  });
  it('plays the prefix of a crashed file', () => {
    const whole = new Uint8Array(recording(frames, false));
    const r = parseRecording(whole.slice(0, whole.length - 5).buffer);
    expect([r.sealed, r.truncated, r.entries.length, r.keyframes]).toEqual([false, true, 3, [0, 2]]);
  });
  it('refuses what is not a recording', () => {
    expect(() => parseRecording(new TextEncoder().encode('asciicast').buffer)).toThrow();
  });
});
