// Reader for screen recordings (.tsr), see docs/recording-format.md
// "Screen recordings": magic, JSON header, entries (u64 t_ms + record),
// and in a sealed file an index record of keyframes and a footer.

import { REC_FRAME, REC_HELLO } from './screen';

export const MAGIC = 'TSREC01\n';
export const FOOTER_MAGIC = 'TSRINDEX';
const TYPE_INDEX = 4;

export interface RecordingHeader {
  version: number;
  started_at: string;
  width: number;
  height: number;
  display?: string;
  title?: string;
  actor?: string;
  monitors?: RecMonitor[]; // the client's monitors when the recording started
  monitor?: number; // the one streamed then (-1: the whole screen)
}

export interface RecMonitor {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary?: boolean;
}

export interface RecEntry {
  offset: number;
  t: number; // ms since the start
  type: number;
  key: boolean;
  record: Uint8Array;
}

export interface ScreenRecording {
  header: RecordingHeader;
  entries: RecEntry[]; // frames and hellos, in order
  keyframes: number[]; // indexes into entries, from the sealed index or rebuilt
  durationMs: number;
  sealed: boolean;
  truncated: boolean; // the file ends inside an entry (a crash): the prefix plays
}

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

/** parseRecording reads a whole .tsr file; it throws only when the header is unusable. */
export function parseRecording(buf: ArrayBuffer): ScreenRecording {
  const b = new Uint8Array(buf);
  const dv = new DataView(buf);
  if (b.length < 12 || ascii(b.subarray(0, 8)) !== MAGIC) throw new Error('not a screen recording');
  const hn = dv.getUint32(8);
  if (hn < 2 || hn > 4096 || 12 + hn > b.length) throw new Error('bad recording header');
  const header = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + hn))) as RecordingHeader;
  if (header.version !== 1) throw new Error(`recording version ${header.version} is not supported`);
  const rec: ScreenRecording = { header, entries: [], keyframes: [], durationMs: 0, sealed: false, truncated: false };
  let p = 12 + hn;
  let indexOffsets: number[] | null = null;
  while (p < b.length) {
    if (p + 13 > b.length) {
      rec.truncated = true;
      break;
    }
    const t = Number(dv.getBigUint64(p));
    const len = dv.getUint32(p + 8);
    if (len < 1 || len > 8 << 20 || p + 12 + len > b.length) {
      rec.truncated = true;
      break;
    }
    const type = b[p + 12];
    const record = b.subarray(p + 8, p + 12 + len);
    if (type === TYPE_INDEX) {
      const body = record.subarray(5);
      const idv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      indexOffsets = [];
      for (let i = 0; i + 16 <= body.length; i += 16) indexOffsets.push(Number(idv.getBigUint64(i + 8)));
      rec.durationMs = t;
      const end = p + 12 + len;
      rec.sealed = b.length === end + 16 && ascii(b.subarray(end + 8, end + 16)) === FOOTER_MAGIC;
      break;
    }
    if (type === REC_FRAME || type === REC_HELLO) {
      rec.entries.push({ offset: p, t, type, key: type === REC_FRAME && (record[5] & 1) === 1, record });
      rec.durationMs = Math.max(rec.durationMs, t);
    }
    p += 12 + len;
  }
  if (indexOffsets) {
    const byOffset = new Map(rec.entries.map((e, i) => [e.offset, i]));
    rec.keyframes = indexOffsets.map((o) => byOffset.get(o)).filter((i): i is number => i !== undefined);
  } else {
    rec.entries.forEach((e, i) => e.key && rec.keyframes.push(i));
  }
  return rec;
}

/** seekPlan returns the entry indexes to paint to show the picture at time t: from the last keyframe at or before t. */
export function seekPlan(rec: ScreenRecording, t: number): { from: number; to: number } {
  let to = -1;
  for (let i = 0; i < rec.entries.length && rec.entries[i].t <= t; i++) to = i;
  let from = 0;
  for (const k of rec.keyframes) if (k <= to) from = k;
  return { from, to };
}

/**
 * monitorAt says which monitor the recording shows at time t: the header's
 * choice, changed by every hello entry (a monitor switch) at or before t.
 * It returns null when the client listed no monitors. A hello that does not
 * parse is skipped (the frames still play).
 */
export function monitorAt(rec: ScreenRecording, t: number): { index: number; label: string } | null {
  let monitors = rec.header.monitors ?? [];
  let index = rec.header.monitor ?? -1;
  for (const e of rec.entries) {
    if (e.t > t) break;
    if (e.type !== REC_HELLO) continue;
    try {
      const h = JSON.parse(new TextDecoder().decode(e.record.subarray(5))) as { monitors?: RecMonitor[]; monitor?: number };
      if (Array.isArray(h.monitors)) monitors = h.monitors;
      index = typeof h.monitor === 'number' ? h.monitor : 0; // 0 is omitted on the wire
    } catch {
      /* a damaged hello: keep the last good one */
    }
  }
  if (monitors.length === 0) return null;
  const m = monitors[index];
  if (index < 0 || !m) return { index: -1, label: 'All screens' };
  return { index, label: `${index + 1}: ${String(m.name)} ${m.width}×${m.height}` };
}
