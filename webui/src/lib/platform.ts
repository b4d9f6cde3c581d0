// Which client build fits the visitor's computer, what the file is called
// when it arrives, and the steps that start it, literally right for that file.

import type { Download } from './api';
import { detectOS, normaliseOS, type OS } from './commands';

export type Arch = 'amd64' | 'arm64';

export interface Platform {
  os: OS;
  arch: Arch;
  /** false when the browser cannot tell (a Mac's user agent always says Intel). */
  archKnown: boolean;
}

export const ARCH_LABELS: Record<OS, Record<Arch, string>> = {
  windows: { amd64: 'Intel/AMD 64-bit', arm64: 'ARM 64-bit' },
  darwin: { amd64: 'Intel', arm64: 'Apple silicon' },
  linux: { amd64: 'x86-64', arm64: 'ARM 64-bit (aarch64)' },
};

/** platformFromUA guesses from the user agent and navigator.platform. */
export function platformFromUA(ua: string, platform = ''): Platform {
  const os = detectOS(ua, platform);
  const s = `${platform} ${ua}`.toLowerCase();
  if (os === 'darwin') return { os, arch: 'arm64', archKnown: false }; // every Mac UA says "Intel"
  if (/aarch64|arm64|armv8/.test(s)) return { os, arch: 'arm64', archKnown: true };
  if (/x86_64|x64|amd64|win64|wow64/.test(s)) return { os, arch: 'amd64', archKnown: true };
  return { os, arch: 'amd64', archKnown: false };
}

export interface Hints {
  platform?: string;
  architecture?: string;
  bitness?: string;
}

/** platformFromHints refines a guess with User-Agent Client Hints. */
export function platformFromHints(h: Hints, guess: Platform): Platform {
  const os = (h.platform && normaliseOS(h.platform === 'macOS' ? 'darwin' : h.platform)) || guess.os;
  const a = (h.architecture ?? '').toLowerCase();
  if (a === 'arm') return { os, arch: 'arm64', archKnown: true };
  if (a === 'x86' && h.bitness !== '32') return { os, arch: 'amd64', archKnown: true };
  return { ...guess, os };
}

interface NavLike {
  userAgent: string;
  platform?: string;
  userAgentData?: { getHighEntropyValues?: (hints: string[]) => Promise<Hints> };
}

/** detectPlatform asks the browser, Client Hints first. */
export async function detectPlatform(nav: NavLike): Promise<Platform> {
  const guess = platformFromUA(nav.userAgent, nav.platform ?? '');
  const uad = nav.userAgentData;
  if (!uad?.getHighEntropyValues) return guess;
  try {
    return platformFromHints(await uad.getHighEntropyValues(['platform', 'architecture', 'bitness']), guess);
  } catch {
    return guess;
  }
}

const codeAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** normalizeCode mirrors wire.NormalizeCode: 16 symbols, dashes and spaces
 * ignored, I/L read as 1 and O as 0; '' when it is not a code. */
export function normalizeCode(code: string): string {
  const syms = [...code.toUpperCase()]
    .filter((c) => c !== '-' && c !== ' ')
    .map((c) => (c === 'I' || c === 'L' ? '1' : c === 'O' ? '0' : c));
  if (syms.length !== 16 || syms.some((c) => !codeAlphabet.includes(c))) return '';
  return syms.join('');
}

/** fileName is the name the gateway gives the download (downloads.Name). */
export function fileName(os: string, arch: string, code: string): string {
  const c = normalizeCode(code);
  const ext = os === 'windows' ? '.exe' : '';
  return c ? `tether-client-${c}-${os}-${arch}${ext}` : `tether-client-${os}-${arch}${ext}`;
}

/** downloadUrl is the download's address with the code, so the name carries it. */
export function downloadUrl(d: Download, code: string): string {
  const c = normalizeCode(code);
  return c ? `${d.url}?code=${c}` : d.url;
}

/** pickPrimary is the build for this computer, or null. */
export function pickPrimary(list: Download[], p: Platform): Download | null {
  const mine = list.filter((d) => normaliseOS(d.os) === p.os);
  return mine.find((d) => d.arch === p.arch) ?? mine.find((d) => d.arch === 'amd64') ?? mine[0] ?? null;
}

export interface Step {
  text: string;
  /** a command typed exactly as shown (no prompt), when the step has one */
  command?: string;
}

/** steps are the plain steps that start the downloaded file on os. */
export function steps(os: OS, file: string, signed: boolean): Step[] {
  if (os === 'windows') {
    const out: Step[] = [
      { text: 'Open your Downloads folder (press Windows key + E, then choose Downloads on the left).' },
      { text: `Double-click ${file}.` },
    ];
    if (!signed) out.push({ text: 'If Windows says “Windows protected your PC”, click More info, then Run anyway.' });
    return out;
  }
  if (os === 'darwin') {
    return [
      { text: 'Open Terminal (press Command + Space, type Terminal, press Return), then type these lines, pressing Return after each:' },
      { text: 'Go to your Downloads folder:', command: 'cd ~/Downloads' },
      { text: 'Let macOS open a program from the internet (if it answers “No such xattr”, that is fine):', command: `xattr -d com.apple.quarantine ${file}` },
      { text: 'Make it a program you can start:', command: `chmod +x ${file}` },
      { text: 'Start it:', command: `./${file}` },
    ];
  }
  return [
    { text: 'Open a terminal, then type these lines, pressing Enter after each:' },
    { text: 'Go to your Downloads folder:', command: 'cd ~/Downloads' },
    { text: 'Make it a program you can start:', command: `chmod +x ${file}` },
    { text: 'Start it:', command: `./${file}` },
  ];
}

/** powershellSteps are the Windows alternative for PowerShell users. */
export function powershellSteps(file: string): Step[] {
  return [
    { text: 'Go to your Downloads folder:', command: 'cd $HOME\\Downloads' },
    { text: 'Start it:', command: `.\\${file}` },
  ];
}
