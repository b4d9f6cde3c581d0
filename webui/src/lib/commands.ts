// Builds the exact command an end user runs to join, per operating system,
// with the join string quoted so no shell can read anything into it.

export type OS = 'linux' | 'darwin' | 'windows';

export const OS_LABELS: Record<OS, string> = { linux: 'Linux', darwin: 'macOS', windows: 'Windows' };
export const ALL_OS: OS[] = ['linux', 'darwin', 'windows'];

/** shQuote quotes a word for POSIX sh: single quotes, ' written as '\''. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** psQuote quotes a word for PowerShell: single quotes, each quote doubled.
 * PowerShell also treats the typographic single quotes as quote characters. */
export function psQuote(s: string): string {
  return `'${s.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/** joinCommand is the terminal command for a user who has a client and the
 * whole link. It never grants anything: the client asks (no --accept). */
export function joinCommand(os: OS, join: string): string {
  if (os === 'windows') return `tether-client.exe join ${psQuote(join)}`;
  return `tether-client join ${shQuote(join)}`;
}

const fpRe = /^sha256=[A-Za-z0-9_-]{43}$/;

/** fingerprintFromHash returns "sha256=..." from a URL fragment, or "" if
 * the fragment is absent or not a well-formed SHA-256 fingerprint. */
export function fingerprintFromHash(hash: string): string {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  return fpRe.test(h) ? h : '';
}

/** joinWithFingerprint makes the join string the page shows: the gateway's
 * join string with the fingerprint from the page's own fragment (which the
 * technician handed over and the server never saw) when one is present. */
export function joinWithFingerprint(join: string, hash: string): string {
  const fp = fingerprintFromHash(hash);
  if (!fp) return join;
  const i = join.indexOf('#');
  return (i >= 0 ? join.slice(0, i) : join) + '#' + fp;
}

/** detectOS guesses the visitor's OS from the user agent. */
export function detectOS(ua: string, platform = ''): OS {
  const s = `${platform} ${ua}`.toLowerCase();
  if (s.includes('win')) return 'windows';
  if (s.includes('mac') || s.includes('iphone') || s.includes('ipad')) return 'darwin';
  return 'linux';
}

/** normaliseOS maps a download's os field to an OS. */
export function normaliseOS(os: string): OS | null {
  const s = os.toLowerCase();
  if (s === 'linux') return 'linux';
  if (s === 'darwin' || s === 'macos' || s === 'mac') return 'darwin';
  if (s === 'windows' || s === 'win') return 'windows';
  return null;
}
