// Diagnostics in the console: grouping a report's results by status, the
// parameter form (checked with the same rules the gateway and client apply,
// see internal/wire/diag.go), and words for a comparison of two reports.
// No Svelte here, so all of it is unit-tested.

import type { DiagParams, DiagRequestBody, DiagResult, DiagStatus, ReportChange, ReportComparison, ReportSummary, SetupDifference } from './api';

/** STATUS_ORDER is how a report is read: problems first, then what could not run, then the rest. */
export const STATUS_ORDER: DiagStatus[] = ['fail', 'warn', 'error', 'ok', 'skipped'];

export const STATUS_HEADINGS: Record<DiagStatus, string> = {
  fail: 'Failed',
  warn: 'Warnings',
  error: 'Could not run',
  ok: 'OK',
  skipped: 'Skipped',
};

export interface ResultGroup {
  status: DiagStatus | 'other';
  heading: string;
  results: DiagResult[];
}

function statusRank(s: string): number {
  const i = STATUS_ORDER.indexOf(s as DiagStatus);
  return i < 0 ? STATUS_ORDER.length : i;
}

/**
 * groupResults groups results by status in STATUS_ORDER (fail, warn, error,
 * ok, skipped; an unknown status last as "other"), names sorted within a
 * group. Empty groups are left out.
 */
export function groupResults(results: DiagResult[] | null | undefined): ResultGroup[] {
  const by = new Map<string, DiagResult[]>();
  for (const r of results ?? []) {
    if (!r || typeof r.name !== 'string') continue;
    const k = statusRank(r.status) < STATUS_ORDER.length ? r.status : 'other';
    const list = by.get(k) ?? [];
    list.push(r);
    by.set(k, list);
  }
  const out: ResultGroup[] = [];
  for (const s of [...STATUS_ORDER, 'other' as const]) {
    const list = by.get(s);
    if (!list?.length) continue;
    list.sort((a, b) => a.name.localeCompare(b.name));
    out.push({ status: s, heading: s === 'other' ? 'Other' : STATUS_HEADINGS[s], results: list });
  }
  return out;
}

/** countByStatus counts results per status. */
export function countByStatus(results: DiagResult[] | null | undefined): Partial<Record<string, number>> {
  const m: Partial<Record<string, number>> = {};
  for (const r of results ?? []) m[r.status] = (m[r.status] ?? 0) + 1;
  return m;
}

/** dataText renders a check's data as indented JSON text (never HTML). */
export function dataText(data: unknown): string {
  if (data === null || data === undefined) return '(no data)';
  try {
    return JSON.stringify(data, null, 2) ?? '(no data)';
  } catch {
    return '(data cannot be shown)';
  }
}

// ---- the parameter form ----

/** Limits mirrored from internal/wire/diag.go. */
// The client refuses more than 8 targets or names per run (wire.MaxDiagHosts).
export const MAX_PARAM_LIST = 8;
export const MAX_PARAM_LEN = 512;
export const MAX_SINCE_S = 30 * 24 * 3600;

/** DiagForm is what the technician typed: one entry per line (or comma-separated). */
export interface DiagForm {
  runbook: string;
  targets: string;
  names: string;
  logFiles: string;
  since: string;
}

export const EMPTY_FORM: DiagForm = { runbook: '', targets: '', names: '', logFiles: '', since: '' };

/** splitList splits a textarea into entries: by lines and commas, trimmed, empties dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function validPort(p: string): string {
  if (!/^\d+$/.test(p)) return 'port must be 1-65535';
  const n = Number(p);
  return n >= 1 && n <= 65535 ? '' : 'port must be 1-65535';
}

/** targetProblem says what is wrong with a connectivity target, or ''. */
export function targetProblem(s: string): string {
  if (CONTROL.test(s) || /[ \t]/.test(s)) return 'contains spaces or control characters';
  if (/^https?:\/\//.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return 'not a valid URL';
    }
    if (u.hostname === '') return 'URL has no host';
    // URL drops default ports; read the port as written.
    const m = /^https?:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(s);
    if (m && m[2] !== undefined && m[2] !== '') return validPort(m[2]);
    return '';
  }
  if (s.includes('://')) return 'want host:port or an http(s) URL';
  const m = /^(\[[^\]]+\]|[^:[\]]+):([^:]*)$/.exec(s);
  if (!m || m[1] === '') return 'want host:port or an http(s) URL';
  return validPort(m[2]);
}

/** nameProblem says what is wrong with a DNS name, or ''. */
export function nameProblem(s: string): string {
  return CONTROL.test(s) || /[ \t/\\]/.test(s) ? 'not a host name' : '';
}

/** logFileProblem says what is wrong with a log file path, or ''. */
export function logFileProblem(s: string): string {
  if (CONTROL.test(s)) return 'contains control characters';
  const unixAbs = s.startsWith('/');
  const winAbs = /^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\');
  return unixAbs || winAbs ? '' : 'must be an absolute path';
}

/** sinceProblem checks a Go duration such as 30m, 1h, 1h30m (1s to 30 days). */
export function sinceProblem(s: string): string {
  const t = s.trim();
  if (t === '') return '';
  const secs = parseDuration(t);
  if (secs === null) return `"${t}" is not a duration such as 1h or 30m`;
  if (secs < 1 || secs > MAX_SINCE_S) return 'since must be between 1s and 720h (30 days)';
  return '';
}

/** parseDuration reads the subset of Go durations people type (h, m, s, ms); seconds, or null. */
export function parseDuration(s: string): number | null {
  if (!/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(s)) return null;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

function checkList(field: string, entries: string[], problem: (s: string) => string, errs: string[]): void {
  if (entries.length > MAX_PARAM_LIST) errs.push(`${field}: at most ${MAX_PARAM_LIST} entries (you have ${entries.length})`);
  for (const e of entries) {
    if (e.length > MAX_PARAM_LEN) errs.push(`${field}: an entry is longer than ${MAX_PARAM_LEN} characters`);
    else {
      const p = problem(e);
      if (p) errs.push(`${field}: "${e}" ${p}`);
    }
  }
}

/** validateDiagForm lists every problem in the form, in words; empty when it can be sent. */
export function validateDiagForm(f: DiagForm): string[] {
  const errs: string[] = [];
  checkList('Targets', splitList(f.targets), targetProblem, errs);
  checkList('Names', splitList(f.names), nameProblem, errs);
  checkList('Log files', splitList(f.logFiles), logFileProblem, errs);
  const sp = sinceProblem(f.since);
  if (sp) errs.push(`Since: ${sp}`);
  return errs;
}

/** diagRequest turns the form into the request body (runbook or the full sweep, plus parameters). */
export function diagRequest(f: DiagForm): DiagRequestBody {
  const params: DiagParams = {};
  const targets = splitList(f.targets);
  const names = splitList(f.names);
  const logFiles = splitList(f.logFiles);
  if (targets.length) params.targets = targets;
  if (names.length) params.names = names;
  if (logFiles.length) params.log_files = logFiles;
  if (f.since.trim()) params.since = f.since.trim();
  return f.runbook ? { runbook: f.runbook, params } : { checks: [], params };
}

// ---- comparison ----

/** changeText says one change in words, e.g. "disks: mounts[/].used_percent 98 → 61 (−37)". */
export function changeText(c: ReportChange): string {
  switch (c.kind) {
    case 'status':
      return `${c.check}: ${c.before || '?'} → ${c.after || '?'}`;
    case 'added':
      return `${c.check}: new check (${c.after || '?'})`;
    case 'removed':
      return `${c.check}: no longer checked (was ${c.before || '?'})`;
    case 'metric': {
      const d = typeof c.delta === 'number' && Number.isFinite(c.delta) && c.delta !== 0 ? ` (${signed(c.delta)})` : '';
      return `${c.check}: ${c.field || 'value'} ${c.before ?? '?'} → ${c.after ?? '?'}${d}`;
    }
    default:
      return `${c.check}: ${c.kind} ${c.before ?? ''} → ${c.after ?? ''}`.trim();
  }
}

/** signed formats a delta with its sign, rounded to 2 decimals: "+3", "−0.5". */
export function signed(n: number): string {
  const r = Math.round(n * 100) / 100;
  return r > 0 ? `+${r}` : r < 0 ? `−${Math.abs(r)}` : '0';
}

const DIRECTION_RANK: Record<string, number> = { worse: 0, better: 1 };

/** sortChanges puts worse first, then better, then neutral; check name breaks ties (stable). */
export function sortChanges(changes: ReportChange[] | null | undefined): ReportChange[] {
  return (changes ?? [])
    .map((c, i) => ({ c, i }))
    .sort(
      (a, b) =>
        (DIRECTION_RANK[a.c.direction ?? ''] ?? 2) - (DIRECTION_RANK[b.c.direction ?? ''] ?? 2) ||
        a.c.check.localeCompare(b.c.check) ||
        a.i - b.i,
    )
    .map((x) => x.c);
}

/** comparisonSummary is one line: "2 better, 1 worse, 3 other changes" or "No changes". */
export function comparisonSummary(c: ReportComparison): string {
  const n = (c.changes ?? []).length;
  if (n === 0) return 'No changes between the two reports.';
  const other = n - (c.better ?? 0) - (c.worse ?? 0);
  const parts = [`${c.better ?? 0} better`, `${c.worse ?? 0} worse`];
  if (other > 0) parts.push(`${other} other change${other === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/**
 * defaultPair picks "before" and "after" from a ticket's reports: the two
 * newest, older as before. Null when there are fewer than two.
 */
export function defaultPair(reports: ReportSummary[] | null | undefined): { before: string; after: string } | null {
  const list = [...(reports ?? [])].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  if (list.length < 2) return null;
  return { before: list[list.length - 2].id, after: list[list.length - 1].id };
}

/** newestFirst orders reports for the pickers: newest first. */
export function newestFirst(reports: ReportSummary[] | null | undefined): ReportSummary[] {
  return [...(reports ?? [])].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

const setupNames: Record<string, string> = {
  runbook: 'Runbook',
  checks: 'Checks',
  'params.targets': 'Connectivity targets',
  'params.names': 'DNS names',
  'params.log_files': 'Log files',
  'params.since': 'Log window',
  request: 'Parameters',
};

/** setupText is one line of the "not like for like" warning: "Checks: dns → dns, logs". */
export function setupText(d: SetupDifference): string {
  const what = setupNames[d.what] ?? d.what;
  return `${what}: ${d.before || '(none)'} → ${d.after || '(none)'}`;
}

/** reportFileName is the download name of a report: tether-report-<ticket>-<id>.json. */
export function reportFileName(id: string, ticketId?: number): string {
  const safe = id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return `tether-report-${ticketId ? `${ticketId}-` : ''}${safe}.json`;
}
