import { describe, expect, it } from 'vitest';
import { monitorAt, parseRecording } from '../../src/lib/screenrec';

// A .tsr file with a header and hello entries only (monitorAt reads no frames).
function tsr(header: object, hellos: [number, object | string][]): ArrayBuffer {
  const enc = new TextEncoder();
  const hdr = enc.encode(JSON.stringify({ version: 1, started_at: '2026-12-03T10:00:00Z', width: 3840, height: 1080, ...header }));
  const parts: Uint8Array[] = [enc.encode('TSREC01\n'), u32(hdr.length), hdr];
  for (const [t, h] of hellos) {
    const body = enc.encode(typeof h === 'string' ? h : JSON.stringify(h));
    parts.push(u64(t), u32(1 + body.length), new Uint8Array([2]), body);
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const x of parts) { out.set(x, p); p += x.length; }
  return out.buffer;
}
const u32 = (n: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n); return b; };
const u64 = (n: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n)); return b; };

const monitors = [{ name: 'A', x: 0, y: 0, width: 1920, height: 1080, primary: true }, { name: 'B', x: 1920, y: 0, width: 1920, height: 1080 }];

describe('monitorAt', () => {
  it('follows the header and every switch', () => {
    const r = parseRecording(tsr({ monitors, monitor: -1 }, [
      [1000, { width: 1920, height: 1080, display: ':0', can_control: false, monitors, monitor: 1 }],
      [2000, '{not json'],
      [2500, { width: 1920, height: 1080, display: ':0', can_control: false, monitors }], // monitor 0: omitted on the wire
      [3000, { width: 3840, height: 1080, display: ':0', can_control: false, monitors, monitor: -1 }],
    ]));
    expect(monitorAt(r, 0)).toEqual({ index: -1, label: 'All screens' });
    expect(monitorAt(r, 1500)).toEqual({ index: 1, label: '2: B 1920×1080' });
    expect(monitorAt(r, 2200)).toEqual({ index: 1, label: '2: B 1920×1080' }); // a damaged hello changes nothing
    expect(monitorAt(r, 2600)).toEqual({ index: 0, label: '1: A 1920×1080' });
    expect(monitorAt(r, 9999)).toEqual({ index: -1, label: 'All screens' });
  });
  it('says nothing for a screen without monitors (or an older recording)', () => {
    expect(monitorAt(parseRecording(tsr({}, [])), 0)).toBeNull();
  });
});
