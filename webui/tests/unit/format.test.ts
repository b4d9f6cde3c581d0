import { describe, expect, it } from 'vitest';
import { between, codeGroups, countdown, formatBytes, formatDuration, formatTime, relativeTime, spellGroup, statusLabel } from '../../src/lib/format';

describe('codeGroups', () => {
  const cases: [string, string[]][] = [
    ['K7QF-3MZP-XW9D-HT2A', ['K7QF', '3MZP', 'XW9D', 'HT2A']],
    ['k7qf3mzpxw9dht2a', ['K7QF', '3MZP', 'XW9D', 'HT2A']],
    [' K7QF 3MZP ', ['K7QF', '3MZP']],
    ['ABCDE', ['ABCD', 'E']],
    ['', []],
    ['<script>', ['SCRI', 'PT']],
  ];
  for (const [inp, want] of cases) it(JSON.stringify(inp), () => expect(codeGroups(inp)).toEqual(want));
  it('spells digits', () => expect(spellGroup('K7Q0')).toBe('K · seven · Q · zero'));
});

describe('time', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const rel: [string | null, string][] = [
    ['2026-11-24T11:59:50Z', 'just now'],
    ['2026-11-24T11:55:00Z', '5 min ago'],
    ['2026-11-24T09:00:00Z', '3 h ago'],
    ['2026-11-21T12:00:00Z', '3 d ago'],
    ['2026-11-24T12:04:00Z', 'in 4 min'],
    ['2026-11-24T12:00:10Z', 'in a few seconds'],
    [null, '—'],
    ['garbage', '—'],
    ['0001-01-01T00:00:00Z', '—'],
  ];
  for (const [iso, want] of rel) it(`relativeTime ${iso}`, () => expect(relativeTime(iso, now)).toBe(want));

  it('formatTime uses local time and pads', () => {
    const d = new Date(2026, 0, 5, 7, 3, 9);
    expect(formatTime(d.toISOString())).toBe('2026-01-05 07:03');
    expect(formatTime(d.toISOString(), true)).toBe('2026-01-05 07:03:09');
    expect(formatTime(undefined)).toBe('—');
  });

  const cd: [string, string][] = [
    ['2026-11-24T12:14:05Z', '14:05'],
    ['2026-11-24T13:02:03Z', '1:02:03'],
    ['2026-11-24T12:00:00Z', 'expired'],
    ['2026-11-24T11:00:00Z', 'expired'],
  ];
  for (const [iso, want] of cd) it(`countdown ${iso}`, () => expect(countdown(iso, now)).toBe(want));

  const dur: [number | null, string][] = [
    [850, '850 ms'],
    [42_000, '42 s'],
    [185_000, '3 min 05 s'],
    [7_440_000, '2 h 04 min'],
    [-1, '—'],
    [null, '—'],
  ];
  for (const [ms, want] of dur) it(`formatDuration ${ms}`, () => expect(formatDuration(ms)).toBe(want));

  it('between', () => {
    expect(between('2026-11-24T12:00:00Z', '2026-11-24T12:00:30Z')).toBe(30_000);
    expect(between('2026-11-24T11:59:00Z', null, now)).toBe(60_000);
    expect(between(null, null)).toBeNull();
  });
});

describe('sizes and labels', () => {
  const sz: [number, string][] = [
    [0, '0 B'],
    [512, '512 B'],
    [12_390, '12 KiB'],
    [1_234, '1.2 KiB'],
    [3_565_158, '3.4 MiB'],
    [200 * 1024 * 1024, '200 MiB'],
  ];
  for (const [n, want] of sz) it(`formatBytes ${n}`, () => expect(formatBytes(n)).toBe(want));
  it('statusLabel', () => expect(statusLabel('in_progress')).toBe('in progress'));
});
