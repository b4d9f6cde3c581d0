import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { detectOS, fingerprintFromHash, joinCommand, joinWithFingerprint, normaliseOS, psQuote, shQuote } from '../../src/lib/commands';

const FP = 'sha256=' + 'A'.repeat(42) + '_';
const JOIN = `tether1:127.0.0.1:8443/K7QF-3MZP-XW9D-HT2A#${FP}`;

describe('joinCommand', () => {
  it('linux', () => expect(joinCommand('linux', JOIN)).toBe(`tether-client join '${JOIN}'`));
  it('macOS', () => expect(joinCommand('darwin', JOIN)).toBe(`tether-client join '${JOIN}'`));
  it('windows', () => expect(joinCommand('windows', JOIN)).toBe(`tether-client.exe join '${JOIN}'`));
  it('never grants by flag', () => expect(joinCommand('linux', JOIN)).not.toContain('--accept'));
});

describe('quoting', () => {
  const sh: [string, string][] = [
    ['plain', `'plain'`],
    [`it's`, `'it'\\''s'`],
    ['$(id) `id` $HOME "x"', `'$(id) \`id\` $HOME "x"'`],
    ['', `''`],
  ];
  for (const [inp, want] of sh) it(`shQuote ${inp}`, () => expect(shQuote(inp)).toBe(want));

  const ps: [string, string][] = [
    ['plain', `'plain'`],
    [`it's`, `'it''s'`],
    ['a\u2019b', `'a\u2019\u2019b'`],
    ['$(calc) `n', `'$(calc) \`n'`],
  ];
  for (const [inp, want] of ps) it(`psQuote ${inp}`, () => expect(psQuote(inp)).toBe(want));

  // The real proof: sh must hand back exactly the original word.
  const hostile = [JOIN, `a'b`, `'; touch /tmp/pwned; '`, '$(id)', '`id`', 'x\ny', '\\', `''''`, 'a b\tc', '#!$&*?[]{}|<>~'];
  for (const word of hostile) {
    it(`sh round-trips ${JSON.stringify(word)}`, () => {
      const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${shQuote(word)}`], { encoding: 'utf8' });
      expect(out).toBe(word);
    });
  }
});

describe('fingerprint', () => {
  it('reads a good fragment', () => expect(fingerprintFromHash(`#${FP}`)).toBe(FP));
  it('rejects a short one', () => expect(fingerprintFromHash('#sha256=abc')).toBe(''));
  it('rejects injection', () => expect(fingerprintFromHash(`#${FP}';rm -rf ~;'`)).toBe(''));
  it('rejects empty', () => expect(fingerprintFromHash('')).toBe(''));
  const other = 'sha256=' + 'B'.repeat(43);
  it('puts the page fingerprint on a bare join', () =>
    expect(joinWithFingerprint('tether1:gw:8443/K7QF', `#${FP}`)).toBe(`tether1:gw:8443/K7QF#${FP}`));
  it('the page fragment wins over the server one', () =>
    expect(joinWithFingerprint(`tether1:gw:8443/K7QF#${other}`, `#${FP}`)).toBe(`tether1:gw:8443/K7QF#${FP}`));
  it('keeps the server join when the fragment is bad', () =>
    expect(joinWithFingerprint(`tether1:gw:8443/K7QF#${other}`, '#evil')).toBe(`tether1:gw:8443/K7QF#${other}`));
});

describe('OS', () => {
  const cases: [string, string, string][] = [
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64)', 'Win32', 'windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)', 'MacIntel', 'darwin'],
    ['Mozilla/5.0 (X11; Linux x86_64)', 'Linux x86_64', 'linux'],
    ['', '', 'linux'],
  ];
  for (const [ua, pf, want] of cases) it(`detectOS ${want}`, () => expect(detectOS(ua, pf)).toBe(want));
  it('normaliseOS', () => {
    expect(normaliseOS('darwin')).toBe('darwin');
    expect(normaliseOS('Windows')).toBe('windows');
    expect(normaliseOS('freebsd')).toBeNull();
  });
});
