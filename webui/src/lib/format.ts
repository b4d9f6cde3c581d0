// Formatting helpers: times, durations, sizes and invite codes.

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971 ? null : d;
}

/** formatTime shows a timestamp in local time as "2026-11-24 14:05". */
export function formatTime(iso: string | null | undefined, withSeconds = false): string {
  const d = parse(iso);
  if (!d) return '—';
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${s}:${pad(d.getSeconds())}` : s;
}

/** relativeTime says "just now", "5 min ago", "3 h ago", "in 4 min"... */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parse(iso);
  if (!d) return '—';
  const diff = Math.round((now - d.getTime()) / 1000);
  const future = diff < 0;
  const s = Math.abs(diff);
  let txt: string;
  if (s < 45) return future ? 'in a few seconds' : 'just now';
  if (s < 3600) txt = `${Math.round(s / 60)} min`;
  else if (s < 86400) txt = `${Math.round(s / 3600)} h`;
  else txt = `${Math.round(s / 86400)} d`;
  return future ? `in ${txt}` : `${txt} ago`;
}

/** formatDuration turns milliseconds into "850 ms", "42 s", "3 min 05 s", "2 h 04 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${pad(m % 60)} min`;
}

/** between is the duration between two timestamps (end defaults to now). */
export function between(start: string | null | undefined, end: string | null | undefined, now = Date.now()): number | null {
  const a = parse(start);
  if (!a) return null;
  const b = parse(end);
  return (b ? b.getTime() : now) - a.getTime();
}

/** countdown shows the time left until iso as "14:05" or "1:02:03"; "expired" when past. */
export function countdown(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parse(iso);
  if (!d) return '—';
  let s = Math.floor((d.getTime() - now) / 1000);
  if (s <= 0) return 'expired';
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** formatBytes shows a size as "512 B", "12.1 KiB", "3.4 MiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** codeGroups splits an invite code into groups of four for reading aloud. */
export function codeGroups(code: string): string[] {
  const clean = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const out: string[] = [];
  for (let i = 0; i < clean.length; i += 4) out.push(clean.slice(i, i + 4));
  return out;
}

const spoken: Record<string, string> = {
  '0': 'zero', '1': 'one', '2': 'two', '3': 'three', '4': 'four',
  '5': 'five', '6': 'six', '7': 'seven', '8': 'eight', '9': 'nine',
};

/** spellGroup spells a group for the phone: "K7QF" → "K · seven · Q · F". */
export function spellGroup(group: string): string {
  return group.split('').map((c) => spoken[c] ?? c).join(' · ');
}

/** statusLabel turns "in_progress" into "in progress". */
export function statusLabel(s: string): string {
  return s.replace(/_/g, ' ');
}

/** shortId shortens an opaque id for display. */
export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id;
}
