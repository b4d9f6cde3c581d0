// The ticket timeline. Auditors and admins read the audit trail; for
// technicians it is built from what the ticket itself holds.

import type { AuditEntry, TicketDetail } from './api';

export interface TimelineItem {
  time: string;
  actor: string;
  text: string;
  kind: 'ticket' | 'invite' | 'session' | 'recording' | 'report' | 'audit';
}

function ok(t: string | null | undefined): t is string {
  return !!t && !Number.isNaN(new Date(t).getTime()) && new Date(t).getUTCFullYear() > 1970;
}

/** buildTimeline derives events from a ticket's sessions, invites, recordings and reports. */
export function buildTimeline(t: TicketDetail): TimelineItem[] {
  const out: TimelineItem[] = [];
  if (ok(t.created_at)) out.push({ time: t.created_at, actor: t.created_by ?? '', text: `Ticket #${t.id} created`, kind: 'ticket' });
  for (const i of t.invites ?? []) {
    const when = i.created_at;
    if (ok(when)) out.push({ time: when, actor: i.created_by, text: `Invite created (${i.scopes.join(', ')})`, kind: 'invite' });
    if (ok(i.used_at)) out.push({ time: i.used_at, actor: '', text: `Invite ${i.code} used`, kind: 'invite' });
  }
  for (const s of t.sessions ?? []) {
    const host = s.host?.hostname ? ` from ${s.host.hostname}` : '';
    if (ok(s.connected_at)) {
      out.push({
        time: s.connected_at,
        actor: s.host?.user ?? '',
        // granted is what the user grants now (it grows with asks and shrinks
        // with revokes), not what they granted when they connected.
        text: `User connected${host}; grants ${s.state === 'ended' ? 'at the end' : 'now'}: ${(s.granted ?? []).join(', ') || 'nothing'}`,
        kind: 'session',
      });
    } else if (ok(s.created_at)) {
      out.push({ time: s.created_at, actor: '', text: `Session started${host}`, kind: 'session' });
    }
    if (ok(s.ended_at)) {
      out.push({ time: s.ended_at, actor: '', text: `Session ended${s.end_reason ? `: ${s.end_reason}` : ''}`, kind: 'session' });
    }
    if (s.rating && ok(s.rating.at)) {
      out.push({ time: s.rating.at, actor: s.host?.user ?? '', text: `User rated the help ${s.rating.score}/5`, kind: 'session' });
    }
  }
  for (const r of t.recordings ?? []) {
    if (ok(r.started_at)) out.push({ time: r.started_at, actor: r.actor, text: `${r.kind === 'screen' ? 'Screen' : 'Shell'} opened (recorded)`, kind: 'recording' });
    if (ok(r.ended_at)) out.push({ time: r.ended_at, actor: r.actor, text: `Recording ${r.state}`, kind: 'recording' });
  }
  for (const r of t.reports ?? []) {
    if (ok(r.created_at)) out.push({ time: r.created_at, actor: r.actor ?? '', text: `Diagnostics: ${countsText(r.counts)}`, kind: 'report' });
  }
  return sortTimeline(out);
}

/** countsText summarises a report's counts: "11 checks, 1 failed, 2 warnings". */
export function countsText(c: Partial<Record<string, number>> | null | undefined): string {
  const n = (k: string) => c?.[k] ?? 0;
  const total = Object.values(c ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);
  return `${total} checks, ${n('fail') + n('error')} failed, ${n('warn')} warnings`;
}

/** auditTimeline turns audit entries into timeline items. */
export function auditTimeline(entries: AuditEntry[]): TimelineItem[] {
  return sortTimeline(entries.map((e) => ({ time: e.time, actor: e.actor, text: auditText(e), kind: 'audit' as const })));
}

function auditText(e: AuditEntry): string {
  const bytes = e.details?.bytes;
  if (e.action === 'shell.input_hidden' && typeof bytes === 'number') {
    return `shell input hidden (echo off): ${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  }
  return e.action.replace(/[._]/g, ' ');
}

/** A hidden-input marker of a terminal recording: input typed while the user's terminal had echo off. */
export interface HiddenInputMarker {
  /** seconds from the start of the recording */
  time: number;
  /** the gateway's label, e.g. "input hidden (echo off): 9 bytes" */
  label: string;
}

/** The most markers hiddenInputMarkers returns; the page says when there are more. */
export const maxHiddenMarkers = 200;

/**
 * hiddenInputMarkers finds the gateway's "input hidden" markers ("m" events) in an
 * asciicast v2 file. Other lines, malformed ones and overlong labels are skipped.
 */
export function hiddenInputMarkers(cast: string): { markers: HiddenInputMarker[]; more: boolean } {
  const markers: HiddenInputMarker[] = [];
  let more = false;
  let start = cast.indexOf('\n') + 1; // after the header line
  while (start > 0 && start < cast.length) {
    let end = cast.indexOf('\n', start);
    if (end < 0) end = cast.length;
    const line = cast.slice(start, end);
    start = end + 1;
    // Cheap filter first: only marker lines are parsed.
    if (line.length > 1024 || !line.includes('"m"')) continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    if (!Array.isArray(ev) || ev.length !== 3 || ev[1] !== 'm') continue;
    const [time, , label] = ev as [unknown, unknown, unknown];
    if (typeof time !== 'number' || !Number.isFinite(time) || typeof label !== 'string' || !label.startsWith('input hidden')) continue;
    if (markers.length >= maxHiddenMarkers) {
      more = true;
      break;
    }
    markers.push({ time, label });
  }
  return { markers, more };
}

/** sortTimeline orders items oldest first (stable). */
export function sortTimeline(items: TimelineItem[]): TimelineItem[] {
  return items
    .map((it, i) => ({ it, i }))
    .sort((a, b) => new Date(a.it.time).getTime() - new Date(b.it.time).getTime() || a.i - b.i)
    .map((x) => x.it);
}
