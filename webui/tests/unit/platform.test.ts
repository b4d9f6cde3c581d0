import { describe, expect, it } from 'vitest';
import { detectPlatform, fileName, normalizeCode, pickPrimary, platformFromHints, platformFromUA, steps } from '../../src/lib/platform';
import type { Download } from '../../src/lib/api';

const WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15';
const LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';
const LINUX_ARM = 'Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36';

describe('platform', () => {
  it('windows x64', () => expect(platformFromUA(WIN, 'Win32')).toEqual({ os: 'windows', arch: 'amd64', archKnown: true }));
  it('a Mac is offered Apple silicon, unsure', () => expect(platformFromUA(MAC, 'MacIntel')).toEqual({ os: 'darwin', arch: 'arm64', archKnown: false }));
  it('linux x86_64', () => expect(platformFromUA(LINUX, 'Linux x86_64')).toEqual({ os: 'linux', arch: 'amd64', archKnown: true }));
  it('linux aarch64', () => expect(platformFromUA(LINUX_ARM, 'Linux aarch64').arch).toBe('arm64'));
  it('client hints tell an Intel Mac', () =>
    expect(platformFromHints({ platform: 'macOS', architecture: 'x86', bitness: '64' }, platformFromUA(MAC))).toEqual({ os: 'darwin', arch: 'amd64', archKnown: true }));
  it('client hints tell Windows on ARM', () =>
    expect(platformFromHints({ platform: 'Windows', architecture: 'arm', bitness: '64' }, platformFromUA(WIN))).toEqual({ os: 'windows', arch: 'arm64', archKnown: true }));
  it('detectPlatform survives a failing userAgentData', async () => {
    const nav = { userAgent: LINUX, platform: 'Linux x86_64', userAgentData: { getHighEntropyValues: () => Promise.reject(new Error('no')) } };
    expect(await detectPlatform(nav)).toEqual({ os: 'linux', arch: 'amd64', archKnown: true });
  });
});

describe('file names', () => {
  it('normalizes like wire.NormalizeCode', () => expect(normalizeCode('k7qf-3mzp xw9d-ht2a')).toBe('K7QF3MZPXW9DHT2A'));
  it('reads I, L and O as digits', () => expect(normalizeCode('IL0O-0000-0000-0000')).toBe('1100000000000000'));
  it('rejects U and bad lengths', () => {
    expect(normalizeCode('UUUU-UUUU-UUUU-UUUU')).toBe('');
    expect(normalizeCode('K7QF')).toBe('');
    expect(normalizeCode("K7QF-3MZP-XW9D-HT2A'; rm -rf ~")).toBe('');
  });
  it('names like the gateway', () => {
    expect(fileName('windows', 'amd64', 'K7QF-3MZP-XW9D-HT2A')).toBe('tether-client-K7QF3MZPXW9DHT2A-windows-amd64.exe');
    expect(fileName('linux', 'arm64', 'nonsense')).toBe('tether-client-linux-arm64');
  });
});

describe('steps', () => {
  const f = 'tether-client-K7QF3MZPXW9DHT2A-linux-amd64';
  it('linux commands, in order', () =>
    expect(steps('linux', f, false).flatMap((s) => (s.command ? [s.command] : []))).toEqual(['cd ~/Downloads', `chmod +x ${f}`, `./${f}`]));
  it('macOS removes the quarantine mark', () =>
    expect(steps('darwin', 'F', false).flatMap((s) => (s.command ? [s.command] : []))).toEqual(['cd ~/Downloads', 'xattr -d com.apple.quarantine F', 'chmod +x F', './F']));
  it('windows mentions SmartScreen only when unsigned', () => {
    expect(steps('windows', 'F.exe', false).some((s) => s.text.includes('Run anyway'))).toBe(true);
    expect(steps('windows', 'F.exe', true).some((s) => s.text.includes('Run anyway'))).toBe(false);
  });
  it('never --accept', () => {
    for (const os of ['linux', 'darwin', 'windows'] as const) expect(JSON.stringify(steps(os, 'F', false))).not.toContain('--accept');
  });
});

describe('pickPrimary', () => {
  const d = (os: string, arch: string): Download => ({ os, arch, url: `/download/${os}/${arch}`, sha256: '', size: 1 });
  const all = [d('windows', 'amd64'), d('windows', 'arm64'), d('darwin', 'arm64'), d('darwin', 'amd64'), d('linux', 'amd64')];
  it('exact', () => expect(pickPrimary(all, { os: 'darwin', arch: 'amd64', archKnown: true })).toBe(all[3]));
  it('falls back to amd64', () => expect(pickPrimary(all, { os: 'linux', arch: 'arm64', archKnown: true })).toBe(all[4]));
  it('none for the OS', () => expect(pickPrimary([all[4]], { os: 'windows', arch: 'amd64', archKnown: true })).toBeNull());
});
