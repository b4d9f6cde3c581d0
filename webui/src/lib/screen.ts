// Screen view protocol helpers, shared by the live view and the replay.
// Formats: docs/screen.md (frame records, big-endian) and
// gateway/internal/rtc/chunk.go (data-channel chunks). No DOM here except
// the painter, so the parsers are unit-tested in node.

export const REC_FRAME = 1;
export const REC_HELLO = 2;
export const MAX_FRAME = 8 << 20;
export const MAX_TILES = 4096;
const FRAME_HEADER = 24;
const TILE_HEADER = 13;

export interface Tile {
  x: number;
  y: number;
  w: number;
  h: number;
  quality: number;
  jpeg: Uint8Array;
}

export interface Frame {
  seq: number;
  timeMs: number;
  width: number;
  height: number;
  key: boolean;
  tiles: Tile[];
}

/** parseFrame decodes one whole frame record (length prefix included); it throws on anything malformed. */
export function parseFrame(rec: Uint8Array): Frame {
  if (rec.length < FRAME_HEADER || rec.length > MAX_FRAME) throw new Error(`frame of ${rec.length} bytes out of range`);
  const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  if (dv.getUint32(0) + 4 !== rec.length) throw new Error('frame length prefix does not match');
  if (rec[4] !== REC_FRAME) throw new Error(`record type ${rec[4]} is not a frame`);
  const flags = rec[5];
  if (flags & ~1) throw new Error('unknown frame flags');
  const f: Frame = {
    key: (flags & 1) !== 0,
    seq: dv.getUint32(6),
    timeMs: Number(dv.getBigUint64(10)),
    width: dv.getUint16(18),
    height: dv.getUint16(20),
    tiles: [],
  };
  if (f.width < 1 || f.height < 1 || f.width > 16384 || f.height > 16384) throw new Error('screen size out of range');
  const n = dv.getUint16(22);
  if (n > MAX_TILES) throw new Error('too many tiles');
  let p = FRAME_HEADER;
  for (let i = 0; i < n; i++) {
    if (p + TILE_HEADER > rec.length) throw new Error(`tile ${i} truncated`);
    const t = { x: dv.getUint16(p), y: dv.getUint16(p + 2), w: dv.getUint16(p + 4), h: dv.getUint16(p + 6), quality: rec[p + 8] };
    const m = dv.getUint32(p + 9);
    p += TILE_HEADER;
    if (m > rec.length - p) throw new Error(`tile ${i} JPEG truncated`);
    if (t.w === 0 || t.h === 0 || t.x + t.w > f.width || t.y + t.h > f.height) throw new Error(`tile ${i} outside the screen`);
    const jpeg = rec.subarray(p, p + m);
    if (m < 2 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error(`tile ${i} is not a JPEG`);
    f.tiles.push({ ...t, jpeg });
    p += m;
  }
  if (p !== rec.length) throw new Error('trailing bytes after the tiles');
  return f;
}

export const CHUNK_HEADER = 8;
const MAX_CHUNKS = 1024;

/** Reassembler joins data-channel chunks (u32 msg | u16 index | u16 count | payload) into records. */
export class Reassembler {
  private parts = new Map<number, { count: number; got: number; size: number; data: (Uint8Array | undefined)[] }>();
  private last = -1;

  add(chunk: Uint8Array): Uint8Array | null {
    if (chunk.length < CHUNK_HEADER) throw new Error('chunk shorter than its header');
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const msg = dv.getUint32(0);
    const idx = dv.getUint16(4);
    const count = dv.getUint16(6);
    if (count < 1 || count > MAX_CHUNKS || idx >= count) throw new Error('bad chunk header');
    if (this.last >= 0 && ((msg - this.last) | 0) <= 0) return null; // older than a delivered message
    const body = chunk.subarray(CHUNK_HEADER);
    if (count === 1) {
      this.done(msg);
      return body.slice();
    }
    let p = this.parts.get(msg);
    if (!p) {
      if (this.parts.size >= 8) this.parts.clear();
      p = { count, got: 0, size: 0, data: new Array(count) };
      this.parts.set(msg, p);
    }
    if (p.count !== count || p.data[idx]) return null;
    p.data[idx] = body.slice();
    p.size += body.length;
    if (p.size > MAX_FRAME + 65536) {
      this.parts.delete(msg);
      throw new Error('message too large');
    }
    if (++p.got < p.count) return null;
    const out = new Uint8Array(p.size);
    let o = 0;
    for (const d of p.data) {
      out.set(d!, o);
      o += d!.length;
    }
    this.done(msg);
    return out;
  }

  private done(msg: number) {
    this.last = msg;
    for (const k of this.parts.keys()) if (((k - msg) | 0) <= 0) this.parts.delete(k);
  }
}

/** seqBefore reports whether seq a comes before b (32-bit wrap-around). */
const seqBefore = (a: number, b: number) => ((a - b) | 0) < 0;

/** How long a gap in seq may stay open (the missing frame may be on the other channel) before a keyframe is asked for. */
export const GAP_GRACE_MS = 300;
/** How many frames ahead of a gap are kept for when it closes. */
const MAX_AHEAD = 64;

/**
 * SeqTracker orders frames for painting. Keyframes travel on a reliable
 * channel and deltas on a lossy one, so they may arrive out of order: a
 * delta that is ahead of the picture is kept (at most MAX_AHEAD) until the
 * frames before it arrive, and the keyframe that starts (or restarts) the
 * picture is painted with every kept delta that follows it. needKey says
 * when to ask for a keyframe: before the first picture, and when a gap
 * stayed open longer than GAP_GRACE_MS (the frame was lost). Callers bound
 * the rate of their requests.
 */
export class SeqTracker {
  private next = -1; // the seq that continues the picture
  private waiting = true;
  private ahead = new Map<number, Frame>();
  private gapSince = 0;

  /** waitingForKey is true until a keyframe starts (or restarts) the picture. */
  get waitingForKey(): boolean {
    return this.waiting;
  }

  /** restart drops the picture's continuity (frames were skipped): wait for a keyframe again. */
  restart() {
    this.waiting = true;
    this.ahead.clear();
    this.gapSince = 0;
  }

  /** accept returns the frames to paint now, in order (often none or one). */
  accept(f: Frame, now: number): Frame[] {
    if (f.key) {
      if (!this.waiting && seqBefore(f.seq, this.next)) return []; // older than the picture
      this.waiting = false;
      this.next = (f.seq + 1) >>> 0;
      return [f, ...this.drain(now)];
    }
    if (!this.waiting && f.seq === this.next) {
      this.next = (f.seq + 1) >>> 0;
      return [f, ...this.drain(now)];
    }
    if (!this.waiting && seqBefore(f.seq, this.next)) return []; // stale
    // Ahead of the picture (or no picture yet): keep it for when the gap closes.
    if (this.ahead.size >= MAX_AHEAD) {
      let oldest: number | undefined;
      for (const k of this.ahead.keys()) if (oldest === undefined || seqBefore(k, oldest)) oldest = k;
      this.ahead.delete(oldest!);
    }
    this.ahead.set(f.seq, f);
    if (!this.waiting && !this.gapSince) this.gapSince = now;
    return [];
  }

  /** needKey reports whether a keyframe should be asked for now. */
  needKey(now: number): boolean {
    return this.waiting || (this.gapSince > 0 && now - this.gapSince >= GAP_GRACE_MS);
  }

  private drain(now: number): Frame[] {
    const out: Frame[] = [];
    for (const k of [...this.ahead.keys()]) if (seqBefore(k, this.next)) this.ahead.delete(k);
    for (let f = this.ahead.get(this.next); f; f = this.ahead.get(this.next)) {
      this.ahead.delete(this.next);
      out.push(f);
      this.next = (this.next + 1) >>> 0;
    }
    this.gapSince = this.ahead.size ? this.gapSince || now : 0;
    return out;
  }
}

/** RateMeter counts frames and bytes over a sliding window. */
export class RateMeter {
  private events: [number, number][] = [];
  constructor(private windowMs = 2000) {}
  add(bytes: number, now: number) {
    this.events.push([now, bytes]);
    this.trim(now);
  }
  private trim(now: number) {
    while (this.events.length && this.events[0][0] < now - this.windowMs) this.events.shift();
  }
  rates(now: number): { fps: number; bytesPerSec: number } {
    this.trim(now);
    const s = this.windowMs / 1000;
    return { fps: this.events.length / s, bytesPerSec: this.events.reduce((a, e) => a + e[1], 0) / s };
  }
}

/** toScreenPoint maps a pointer position over the displayed canvas to screen pixels. */
export function toScreenPoint(
  clientX: number, clientY: number,
  rect: { left: number; top: number; width: number; height: number },
  width: number, height: number,
): { x: number; y: number } {
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi - 1, Math.round(v)));
  return {
    x: clamp(((clientX - rect.left) / (rect.width || 1)) * width, width),
    y: clamp(((clientY - rect.top) / (rect.height || 1)) * height, height),
  };
}

/** ScreenInput mirrors wire.ScreenInput. */
export interface ScreenInput {
  kind: 'mousemove' | 'mousedown' | 'mouseup' | 'wheel' | 'keydown' | 'keyup';
  x: number;
  y: number;
  button?: number;
  key?: string;
  delta_y?: number;
}

/** inputControl wraps an input event as a signaling control message. */
export function inputControl(input: ScreenInput): string {
  return JSON.stringify({ type: 'control', control: { type: 'input', input } });
}

/** keyAllowed reports whether a KeyboardEvent.key can be sent (wire limits: ≤ 32 bytes, no control characters). */
export function keyAllowed(key: string): boolean {
  // eslint-disable-next-line no-control-regex
  return key.length > 0 && new TextEncoder().encode(key).length <= 32 && !/[\u0000-\u001f\u007f]/.test(key) && key !== 'Unidentified' && key !== 'Dead';
}

/** formatRate renders bytes per second for people. */
export function formatRate(bps: number): string {
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} MB/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)} kB/s`;
  return `${Math.round(bps)} B/s`;
}

/**
 * Painter draws frames on a canvas in order: each frame's tiles are decoded
 * (createImageBitmap) before any is drawn, and frames wait for the previous one.
 */
export class Painter {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  constructor(private canvas: HTMLCanvasElement, private onError: (e: unknown) => void = () => {}) {}

  /** backlog is how many frames wait to be painted. */
  get backlog(): number {
    return this.pending;
  }

  paint(f: Frame): Promise<void> {
    this.pending++;
    this.chain = this.chain.then(async () => {
      try {
        const bitmaps = await Promise.all(f.tiles.map((t) => createImageBitmap(new Blob([t.jpeg as BlobPart], { type: 'image/jpeg' }))));
        if (this.canvas.width !== f.width || this.canvas.height !== f.height) {
          this.canvas.width = f.width;
          this.canvas.height = f.height;
        }
        const ctx = this.canvas.getContext('2d');
        f.tiles.forEach((t, i) => {
          ctx?.drawImage(bitmaps[i], t.x, t.y, t.w, t.h);
          bitmaps[i].close();
        });
      } catch (e) {
        this.onError(e);
      } finally {
        this.pending--;
      }
    });
    return this.chain;
  }
}
