// Multi-factor sign-in in the console: checking a typed code before it is
// sent, the secret shown for manual entry, and the recovery codes as text.

/** normaliseOtp removes the spaces people type or paste into codes ("123 456"). */
export function normaliseOtp(s: string): string {
  return s.replace(/\s+/g, '');
}

/**
 * otpProblem says what is wrong with a code, or '' when it can be sent.
 * A recovery code (groups of letters and digits with dashes) is accepted
 * only where allowRecovery is set (turning MFA off, signing in).
 */
export function otpProblem(raw: string, allowRecovery = false): string {
  const s = normaliseOtp(raw);
  if (s === '') return 'Enter the 6-digit code from your authenticator app.';
  if (/^\d{6}$/.test(s)) return '';
  if (allowRecovery && /^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){1,5}$/.test(s)) return '';
  if (/^\d+$/.test(s)) return `The code has 6 digits; you typed ${s.length}.`;
  return allowRecovery
    ? 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.'
    : 'The code is 6 digits, from your authenticator app.';
}

/** secretGroups splits a base32 secret into groups of 4 for reading and typing. */
export function secretGroups(secret: string): string[] {
  const s = secret.replace(/\s+/g, '');
  const out: string[] = [];
  for (let i = 0; i < s.length; i += 4) out.push(s.slice(i, i + 4));
  return out;
}

/** recoveryText is the recovery codes as the text copied or saved: one per line. */
export function recoveryText(codes: string[] | null | undefined, account = ''): string {
  const head = `Tether recovery codes${account ? ` for ${account}` : ''} — each works once.`;
  return [head, ...(codes ?? [])].join('\n') + '\n';
}

/** isOtpauthUrl accepts only otpauth://totp/ URLs for the QR code. */
export function isOtpauthUrl(u: string): boolean {
  return /^otpauth:\/\/totp\//.test(u) && u.length < 2048;
}
