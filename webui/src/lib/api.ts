// The one module that talks to the gateway: types mirroring docs/api.md,
// a fetch wrapper that turns every failure into an ApiError with a message a
// person can read, and helpers for the shell WebSocket.
//
// Authentication is the HttpOnly session cookie set by /api/v1/login; the
// token in the login answer is deliberately not kept anywhere script-readable.

export type Role = 'admin' | 'technician' | 'auditor';
export type TicketStatus = 'open' | 'in_progress' | 'resolved' | 'closed';
export type SessionState = 'waiting' | 'connected' | 'ended';
export type Scope = 'diagnostics' | 'shell' | 'screen' | 'control' | 'files';
export type RecordingState = 'recording' | 'sealed' | 'interrupted';
export type DiagStatus = 'ok' | 'warn' | 'fail' | 'error' | 'skipped';

export const ALL_SCOPES: Scope[] = ['diagnostics', 'shell', 'screen', 'control', 'files'];
export const TICKET_STATUSES: TicketStatus[] = ['open', 'in_progress', 'resolved', 'closed'];
export const ROLES: Role[] = ['technician', 'auditor', 'admin'];

export interface User {
  name: string;
  display_name?: string;
  role: Role;
  disabled?: boolean;
  /** True when the user has a second factor (TOTP) turned on. */
  mfa?: boolean;
  created_at?: string;
  /** Set by /me when the user's role requires MFA and the user has none. */
  mfa_enrollment_required?: boolean;
}

export interface Ticket {
  id: number;
  title: string;
  description: string;
  status: TicketStatus;
  requester?: string;
  created_by?: string;
  assigned_to?: string;
  created_at: string;
  updated_at: string;
}

export interface HostInfo {
  hostname?: string;
  os?: string;
  os_version?: string;
  arch?: string;
  user?: string;
}

export interface Session {
  id: string;
  ticket_id: number;
  state: SessionState;
  scopes: Scope[] | null;
  granted: Scope[] | null;
  host?: HostInfo | null;
  client_version?: string;
  remote_addr?: string;
  created_at: string;
  connected_at?: string | null;
  ended_at?: string | null;
  end_reason?: string;
  /** How the user gave consent: asked in the window, on the terminal, or by --accept; '' unknown (older client). */
  consent?: ConsentMethod;
  /** The user's rating of the help, once given. */
  rating?: Rating | null;
}

/** LiveSession is one row of GET /sessions?state=live: a waiting or connected session with its ticket (the "Live now" board). */
export interface LiveSession extends Session {
  ticket: LiveTicket;
}

/** LiveTicket is what the board shows of a session's ticket. */
export interface LiveTicket {
  id: number;
  title: string;
  status: TicketStatus;
  assigned_to: string;
}

export type ConsentMethod = 'window' | 'terminal' | 'flag' | '';

/** Rating is what the user said about the help at the end (1 to 5). */
export interface Rating {
  score: number;
  comment?: string;
  at: string;
}

export type ChatSender = 'technician' | 'user';

/** ChatMessage is one line of a session's chat (GET/POST /sessions/{id}/chat, the `chat` event). */
export interface ChatMessage {
  id: string;
  session_id: string;
  ticket_id?: number;
  seq: number;
  sender: ChatSender;
  /** The technician's name, or the user on the host. */
  author: string;
  text: string;
  at: string;
}

/** ChatSeal is written to the audit trail when the session ends. */
export interface ChatSeal {
  sha256: string;
  messages: number;
}

/** ChatTranscript is GET /sessions/{id}/chat. */
export interface ChatTranscript {
  messages: ChatMessage[] | null;
  /** null while the session runs (or when nobody wrote). */
  seal: ChatSeal | null;
  /** The stored messages hash to the seal and match the audit entries. */
  verified: boolean;
}

export type AskState = 'pending' | 'answered' | 'cancelled';

/** Ask is a technician's live request for more permissions (the `ask` event too). */
export interface Ask {
  id: string;
  session_id: string;
  ticket_id?: number;
  scopes: Scope[] | null;
  reason: string;
  state: AskState;
  technician: string;
  created_at: string;
  /** What the user allowed (answered asks); empty: declined. */
  allowed?: Scope[] | null;
  /** Where the user answered: window or terminal. */
  via?: string;
  answered_at?: string | null;
}

export interface Recording {
  id: string;
  ticket_id: number;
  session_id: string;
  kind: 'terminal' | 'screen';
  actor: string;
  title: string;
  state: RecordingState;
  started_at: string;
  ended_at?: string | null;
  size: number;
  sha256?: string;
  signature?: string;
  url: string;
}

export interface RecordingMeta extends Recording {
  verified: boolean;
}

export interface Invite {
  code: string;
  url: string;
  join: string;
  scopes: Scope[];
  ticket_id: number;
  created_by: string;
  expires_at: string;
  created_at?: string;
  used_at?: string | null;
  session_id?: string;
}

export interface DiagResult {
  name: string;
  status: DiagStatus;
  summary: string;
  data: Record<string, unknown> | null;
  duration_ms: number;
}

export interface DiagReport {
  id: string;
  session_id: string;
  ticket_id?: number;
  started_at: string;
  duration_ms: number;
  runbook?: string;
  results: DiagResult[] | null;
}

/** ReportSummary is a stored report as the ticket lists it (and the `report` event carries). */
export interface ReportSummary {
  id: string;
  ticket_id: number;
  session_id: string;
  actor?: string;
  runbook?: string;
  created_at: string;
  duration_ms: number;
  counts: Partial<Record<DiagStatus, number>> | null;
}

/** FullReport is GET /api/v1/reports/{id}: the report plus where it belongs. */
export interface FullReport extends DiagReport {
  ticket_id: number;
  actor?: string;
}

/** summarise turns a full report (the diagnostics answer) into its list form. */
export function summarise(r: DiagReport, ticketId: number): ReportSummary {
  const counts: Partial<Record<DiagStatus, number>> = {};
  for (const x of r.results ?? []) counts[x.status] = (counts[x.status] ?? 0) + 1;
  return {
    id: r.id,
    ticket_id: r.ticket_id ?? ticketId,
    session_id: r.session_id,
    runbook: r.runbook,
    created_at: r.started_at,
    duration_ms: r.duration_ms,
    counts,
  };
}

/** DiagProgress is the `diag` event: one finished check of a running sweep, or its end. */
export interface DiagProgress {
  report_id: string;
  session_id: string;
  ticket_id: number;
  result?: DiagResult;
  done?: boolean;
}

export interface TicketDetail extends Ticket {
  sessions: Session[] | null;
  recordings: Recording[] | null;
  reports: ReportSummary[] | null;
  invites: Invite[] | null;
}

export interface AuditEntry {
  seq: number;
  time: string;
  actor: string;
  action: string;
  ticket_id?: number | null;
  session_id?: string;
  remote_addr?: string;
  details?: Record<string, unknown> | null;
  prev_hash?: string;
  hash?: string;
}

/** AuditQuery filters the paged audit list and the export (action "chat." is a group). */
export interface AuditQuery {
  ticket?: string | number;
  actor?: string;
  action?: string;
  since?: string;
  until?: string;
  before?: number;
  limit?: number;
}

/** AuditPage is one page, newest first; next (0: none) is the before cursor of the next. */
export interface AuditPage {
  entries: AuditEntry[] | null;
  next: number;
}

/** AuditAction names an audit action for people (label follows the actor). */
export interface AuditAction {
  action: string;
  label: string;
  group: string;
  group_label: string;
}

export interface AuditVerify {
  ok: boolean;
  entries: number;
  first_bad?: number | null;
  reason?: string;
}

export interface JoinInfo {
  state: 'valid' | 'expired' | 'used' | 'unknown';
  technician?: string;
  ticket?: { id: number; title: string };
  scopes?: Scope[];
  expires_at?: string;
  join?: string;
  url?: string;
}

export interface Download {
  os: string;
  arch: string;
  url: string;
  sha256: string;
  size: number;
  /** signed (Authenticode / Developer ID), unsigned, or adhoc (macOS ad-hoc) */
  signature?: { state: 'signed' | 'unsigned' | 'adhoc'; detail: string };
  /** built for this gateway (make dist / make run): needs only the code */
  baked?: boolean;
  /** the plain build name; downloads are named with the code (platform.fileName) */
  file?: string;
}

export interface LoginAnswer {
  token?: string;
  expires_at?: string;
  user: User;
  /** The role requires MFA and the user has none: send them to enrollment. */
  mfa_enrollment_required?: boolean;
}

/** Runbook is a named diagnostics preset (GET /api/v1/runbooks). */
export interface Runbook {
  name: string;
  title: string;
  description?: string;
  checks?: string[] | null;
  params?: DiagParams | null;
}

/** DiagParams are the technician's parameters for a diagnostics run. */
export interface DiagParams {
  targets?: string[];
  names?: string[];
  log_files?: string[];
  since?: string;
}

/** DiagRequestBody is the body of POST /sessions/{id}/diagnostics. */
export interface DiagRequestBody {
  runbook?: string;
  checks?: string[];
  params: DiagParams;
}

export type ChangeKind = 'status' | 'added' | 'removed' | 'metric';

/** ReportChange is one difference between two reports. */
export interface ReportChange {
  check: string;
  kind: ChangeKind | string;
  field?: string;
  before?: string;
  after?: string;
  delta?: number;
  direction?: 'better' | 'worse' | '';
}

/** ReportComparison is GET /api/v1/reports/compare. */
export interface ReportComparison {
  before_id: string;
  after_id: string;
  changes: ReportChange[] | null;
  better: number;
  worse: number;
  /** How the two runs were asked different things (runbook, checks, parameters); empty when alike. */
  setup_differences?: SetupDifference[] | null;
}

/** SetupDifference is one way two compared runs were set up differently. */
export interface SetupDifference {
  /** runbook, checks, params.targets, params.names, params.log_files, params.since or request. */
  what: string;
  before: string;
  after: string;
}

/** MfaState is GET /api/v1/me/mfa. */
export interface MfaState {
  enabled: boolean;
  pending: boolean;
  recovery_codes_left: number;
  required: boolean;
}

export interface MfaEnrollment {
  secret: string;
  otpauth_url: string;
}

export interface MfaConfirmation {
  mfa: boolean;
  recovery_codes: string[] | null;
}

/**
 * ErrorCode is the stable `code` of an error answer (docs/api.md, "Error
 * codes"). Decide by the code, never by the words: the words may change.
 * '' when the answer had none (the gateway could not be reached, or it sent
 * no JSON).
 */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'otp_required'
  | 'otp_invalid'
  | 'otp_reused'
  | 'wrong_password'
  | 'forbidden'
  | 'not_assigned'
  | 'mfa_enrollment_required'
  | 'scope_not_granted'
  | 'client_refused'
  | 'not_found'
  | 'conflict'
  | 'session_not_connected'
  | 'ask_refused'
  | 'already_rated'
  | 'resolution_required'
  | 'mfa_required'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  | 'client_failed'
  | 'unavailable'
  | 'recording_failed'
  | 'unknown'
  | '';

/** The details of an error answer beside its words. */
export interface ApiErrorDetails {
  /** The answer's `code`. */
  code?: ErrorCode | string;
  /** True when the login answer says a one-time code is needed. */
  otpRequired?: boolean;
  /** Seconds from Retry-After on 429, if given. */
  retryAfter?: number;
  /** With not_assigned: the ticket's assignee ('' when nobody). */
  assignedTo?: string;
}

/** ApiError carries what went wrong in words, plus the HTTP details. */
export class ApiError extends Error {
  /** HTTP status; 0 when the gateway could not be reached at all. */
  readonly status: number;
  /** The stable code of the answer; see ErrorCode. */
  readonly code: string;
  /** True when the login answer says a one-time code is needed. */
  readonly otpRequired: boolean;
  /** Seconds from Retry-After on 429, if given. */
  readonly retryAfter?: number;
  /** With code not_assigned: the ticket's assignee ('' when nobody), if the answer named one. */
  readonly assignedTo?: string;

  constructor(message: string, status: number, details: ApiErrorDetails = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = details.code ?? '';
    this.otpRequired = details.otpRequired === true || this.code === 'otp_required';
    this.retryAfter = details.retryAfter;
    this.assignedTo = details.assignedTo;
  }
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

let fetchImpl: FetchLike = (input, init) => fetch(input, init);
let onUnauthorized: (() => void) | null = null;

/** setFetch replaces fetch (tests). */
export function setFetch(f: FetchLike): void {
  fetchImpl = f;
}

/** setUnauthorizedHandler is called when a signed-in request answers 401. */
export function setUnauthorizedHandler(h: (() => void) | null): void {
  onUnauthorized = h;
}

const statusWords: Record<number, string> = {
  400: 'The request was not accepted',
  401: 'You are not signed in',
  403: 'You are not allowed to do that',
  404: 'Not found',
  409: 'Conflict',
  413: 'The request is too large',
  429: 'Too many attempts; wait a moment and try again',
  500: 'The gateway had an internal error',
  502: 'The gateway is unreachable',
  503: 'The gateway is unavailable',
};

/** describeStatus gives a sentence for an HTTP status with no error body. */
export function describeStatus(status: number): string {
  return statusWords[status] ?? `The gateway answered HTTP ${status}`;
}

interface RequestOptions {
  /** Do not call the unauthorized handler on 401 (login, me). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

/** request performs one JSON call; it throws ApiError on every failure. */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin', signal: opts.signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetchImpl(path, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('Cannot reach the gateway. Check your connection and try again.', 0);
  }
  const text = await res.text().catch(() => '');
  let data: unknown = undefined;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const obj = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
    const msg = typeof obj.error === 'string' && obj.error.trim() !== '' ? obj.error : describeStatus(res.status);
    const ra = Number(res.headers.get('Retry-After'));
    const err = new ApiError(msg, res.status, {
      code: typeof obj.code === 'string' ? obj.code : '',
      otpRequired: obj.otp_required === true,
      retryAfter: Number.isFinite(ra) && ra > 0 ? ra : undefined,
      assignedTo: typeof obj.assigned_to === 'string' ? obj.assigned_to : undefined,
    });
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized();
    throw err;
  }
  if (text !== '' && data === undefined) {
    throw new ApiError('The gateway sent an answer that is not JSON', res.status);
  }
  return data as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && String(v) !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  login: (username: string, password: string, otp?: string) =>
    request<LoginAnswer>('POST', '/api/v1/login', otp ? { username, password, otp } : { username, password }, {
      quiet401: true,
    }),
  logout: () => request<void>('POST', '/api/v1/logout', undefined, { quiet401: true }),
  me: () => request<User>('GET', '/api/v1/me', undefined, { quiet401: true }),
  mfaEnroll: () => request<MfaEnrollment>('POST', '/api/v1/me/mfa/enroll'),
  mfaConfirm: (otp: string) => request<MfaConfirmation>('POST', '/api/v1/me/mfa/confirm', { otp }),
  mfaDisable: (otp: string) => request<void>('DELETE', '/api/v1/me/mfa', { otp }),
  mfaState: () => request<MfaState>('GET', '/api/v1/me/mfa'),
  changePassword: (oldPassword: string, newPassword: string) =>
    request<{ changed: boolean }>('POST', '/api/v1/me/password', { old_password: oldPassword, new_password: newPassword }),

  tickets: (f: { status?: string; q?: string } = {}, signal?: AbortSignal) =>
    request<Ticket[] | null>('GET', `/api/v1/tickets${query(f)}`, undefined, { signal }),
  ticket: (id: number) => request<TicketDetail>('GET', `/api/v1/tickets/${id}`),
  createTicket: (t: { title: string; description: string; requester?: string }) =>
    request<Ticket>('POST', '/api/v1/tickets', t),
  updateTicket: (id: number, p: { status?: TicketStatus; assigned_to?: string; resolution?: string }) =>
    request<Ticket>('PATCH', `/api/v1/tickets/${id}`, p),
  createInvite: (id: number, scopes: Scope[], expiresInS?: number) =>
    request<Invite>('POST', `/api/v1/tickets/${id}/invites`, { scopes, expires_in_s: expiresInS }),
  withdrawInvite: (id: number, code: string) =>
    request<void>('DELETE', `/api/v1/tickets/${id}/invites/${enc(code)}`),
  escalateTicket: (id: number, to: string, note?: string) =>
    request<Ticket>('POST', `/api/v1/tickets/${id}/escalate`, note ? { to, note } : { to }),
  // Ticket notes and the ticket's timeline (issue 14).
  addNote: (id: number, kind: 'note' | 'worklog', body: string, minutes?: number) =>
    request<Note>('POST', `/api/v1/tickets/${id}/notes`, minutes ? { kind, body, minutes } : { kind, body }),
  ticketTimeline: (id: number, before?: string, limit?: number) => {
    const q = new URLSearchParams();
    if (before) q.set('before', before);
    if (limit) q.set('limit', String(limit));
    const qs = q.toString();
    return request<TicketTimelinePage>('GET', `/api/v1/tickets/${id}/timeline${qs ? `?${qs}` : ''}`);
  },
  ticketSessions: (id: number) => request<Session[] | null>('GET', `/api/v1/tickets/${id}/sessions`),

  liveSessions: (state: 'live' | 'waiting' | 'connected' = 'live') =>
    request<LiveSession[] | null>('GET', `/api/v1/sessions?state=${state}`),
  session: (id: string) => request<Session>('GET', `/api/v1/sessions/${enc(id)}`),
  endSession: (id: string) => request<void>('DELETE', `/api/v1/sessions/${enc(id)}`),
  runDiagnostics: (id: string, body: DiagRequestBody = { checks: [], params: {} }) =>
    request<DiagReport>('POST', `/api/v1/sessions/${enc(id)}/diagnostics`, body),
  chatList: (id: string) => request<ChatTranscript>('GET', `/api/v1/sessions/${enc(id)}/chat`),
  chatSend: (id: string, text: string) => request<ChatMessage>('POST', `/api/v1/sessions/${enc(id)}/chat`, { text }),
  askCreate: (id: string, scopes: Scope[], reason: string) =>
    request<Ask>('POST', `/api/v1/sessions/${enc(id)}/asks`, { scopes, reason }),
  askList: (id: string) => request<Ask[] | null>('GET', `/api/v1/sessions/${enc(id)}/asks`),
  runbooks: () => request<Runbook[] | null>('GET', '/api/v1/runbooks'),

  report: (id: string) => request<FullReport>('GET', `/api/v1/reports/${enc(id)}`),
  reportUrl: (id: string) => `/api/v1/reports/${enc(id)}`,
  compareReports: (before: string, after: string) =>
    request<ReportComparison>('GET', `/api/v1/reports/compare${query({ before, after })}`),

  // File transfers (issue 15, docs/files.md).
  ticketFiles: (id: number) => request<TicketFile[] | null>('GET', `/api/v1/tickets/${id}/files`),
  collectFile: (sessionId: string, path: string) =>
    request<TicketFile>('POST', `/api/v1/sessions/${enc(sessionId)}/files/collect`, { path }),
  sendFile: (sessionId: string, file: Blob, name: string, onUpload?: (done: number, total: number) => void) =>
    uploadFile(`/api/v1/sessions/${enc(sessionId)}/files/send${query({ name })}`, file, onUpload),
  fileUrl: (id: string) => `/api/v1/files/${enc(id)}`,

  recordingMeta: (id: string) => request<RecordingMeta>('GET', `/api/v1/recordings/${enc(id)}/meta`),
  recordingUrl: (id: string) => `/api/v1/recordings/${enc(id)}`,
  /** The file a replay page plays (audited as a replay, not a download). */
  recordingPlayUrl: (id: string) => `/api/v1/recordings/${enc(id)}?for=replay`,

  audit: (
    f: { ticket?: string | number; actor?: string; action?: string; since?: string; until?: string; limit?: number } = {},
  ) => request<AuditEntry[] | null>('GET', `/api/v1/audit${query(f)}`),
  auditVerify: () => request<AuditVerify>('GET', '/api/v1/audit/verify'),
  auditPage: (f: AuditQuery = {}) => request<AuditPage>('GET', `/api/v1/audit${query({ ...f, page: 1 })}`),
  auditActions: () => request<AuditAction[] | null>('GET', '/api/v1/audit/actions'),
  auditExportUrl: (format: 'csv' | 'jsonl', f: AuditQuery = {}) => `/api/v1/audit/export${query({ ...f, format })}`,

  users: () => request<User[] | null>('GET', '/api/v1/users'),
  createUser: (u: { name: string; display_name?: string; role: Role; password: string }) =>
    request<User>('POST', '/api/v1/users', u),
  updateUser: (
    name: string,
    p: { role?: Role; disabled?: boolean; password?: string; display_name?: string; mfa_reset?: boolean },
  ) =>
    request<User>('PATCH', `/api/v1/users/${enc(name)}`, p),
  signOutUser: (name: string) => request<void>('POST', `/api/v1/users/${enc(name)}/sign-out`),

  join: (code: string) => request<JoinInfo>('GET', `/api/v1/join/${enc(code)}`, undefined, { quiet401: true }),
  downloads: () => request<Download[] | null>('GET', '/api/v1/downloads', undefined, { quiet401: true }),
};

/** wsUrl turns an API path into a same-origin ws:// or wss:// URL. */
export function wsUrl(path: string, loc: { protocol: string; host: string } = location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}

/** shellUrl is the WebSocket address of a session's shell. */
export function shellUrl(sessionId: string, cols: number, rows: number, loc?: { protocol: string; host: string }): string {
  return wsUrl(`/api/v1/sessions/${enc(sessionId)}/shell?cols=${cols}&rows=${rows}`, loc);
}

/** ShellControl is a text frame the gateway sends on the shell socket. */
export type ShellControl =
  | { type: 'recording'; id: string }
  | { type: 'exit'; reason: string; code?: ShellEndCode | string }
  | { type: string; [k: string]: unknown };

/** parseShellControl reads a text frame; null when it is not a control object. */
export function parseShellControl(text: string): ShellControl | null {
  if (text.length > 64 * 1024) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string') return v as ShellControl;
  } catch {
    /* not JSON */
  }
  return null;
}

/**
 * ShellEndCode is the `code` of a shell's exit frame: the gateway's end
 * cause (internal/wire/browser.go). The reason beside it is for people.
 */
export type ShellEndCode =
  | 'shell_exited'
  | 'technician_ended'
  | 'user_ended'
  | 'user_revoked'
  | 'right_withdrawn'
  | 'policy_timeout'
  | 'link_lost'
  | 'gateway_shutdown'
  | 'gateway_restart'
  | 'recording_failed'
  | 'client_failed'
  | 'unknown';

const shellEndWords: Record<string, string> = {
  shell_exited: 'the shell exited',
  technician_ended: 'ended by the technician',
  user_ended: 'ended by the user',
  user_revoked: 'the user withdrew the permission',
  right_withdrawn: 'your right to this shell was withdrawn',
  policy_timeout: 'the session reached a time limit',
  link_lost: 'the connection to the user\'s machine dropped',
  gateway_shutdown: 'the gateway is shutting down',
  gateway_restart: 'the gateway is restarting',
  recording_failed: 'the recording failed',
  client_failed: 'the client stopped',
};

/**
 * describeShellEnd words an exit frame without a reason from its code
 * (the reason, when there is one, carries detail such as who ended it).
 */
export function describeShellEnd(exitCode: string): string {
  return shellEndWords[exitCode] ?? 'the session ended';
}

/** describeShellClose says in words why the shell socket closed. */
export function describeShellClose(exitReason: string, code: number, reason: string, opened: boolean): string {
  if (exitReason) return `The shell has ended: ${exitReason}`;
  if (code === 1000) return 'The shell has ended.';
  if (!opened) {
    // The shell page asks the gateway's preflight for the real reason (lib/reasons.ts).
    return 'Could not open the shell, and the gateway did not say why.';
  }
  return `The connection to the gateway dropped${reason ? `: ${reason}` : ''} (code ${code}).`;
}

/** errorMessage gives a readable sentence for anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * actionError says why an action was refused. A 403 from the access rules
 * (code not_assigned, naming the assignee) becomes a full sentence that says
 * what to do next; other 403s read "Not allowed: ..."; everything else is
 * errorMessage.
 */
export function actionError(e: unknown): string {
  const msg = errorMessage(e);
  if (!(e instanceof ApiError) || e.status !== 403) return msg;
  if (e.code === 'not_assigned' && e.assignedTo) {
    const who = e.assignedTo;
    return `Not allowed: this ticket is assigned to ${who}. Ask ${who} or an admin to escalate it to you.`;
  }
  const s = msg.replace(/\.$/, '');
  return `Not allowed: ${s.charAt(0).toLowerCase()}${s.slice(1)}.`;
}

// Ticket notes and timeline (issue 14); mirror gateway/internal/api/notes.go
// and timeline.go.
export type NoteKind = 'note' | 'worklog' | 'escalation' | 'resolution';

export interface Note {
  id: string;
  ticket_id: number;
  author: string;
  kind: NoteKind;
  body: string;
  minutes: number | null;
  recipient?: string;
  created_at: string;
}

/** TicketTimelineItem is one entry of GET /tickets/{id}/timeline. */
export interface TicketTimelineItem {
  at: string;
  kind: NoteKind | 'created' | 'status' | 'assign' | 'session_start' | 'session_end' | 'report' | 'recording' | 'rating';
  actor: string;
  text: string;
  minutes?: number;
  links: { ticket?: number; session?: string; report?: string; recording?: string; file?: string };
}

export interface TicketTimelinePage {
  items: TicketTimelineItem[];
  more: boolean;
}

/** NOTE_MAX is the longest note body the gateway takes (characters, trimmed). */
export const NOTE_MAX = 8000;

/** A file collected into a ticket or sent to the user (GET /tickets/{id}/files). */
export interface TicketFile {
  id: string;
  ticket_id: number;
  session_id: string;
  direction: 'collect' | 'send';
  actor: string;
  name: string;
  path: string;
  size: number;
  sha256: string;
  state: 'complete' | 'refused' | 'failed';
  error?: string;
  stored: boolean;
  created_at: string;
}

/** A "file" event: a transfer's progress and outcome. */
export interface FileEvent {
  id: string;
  ticket_id: number;
  session_id: string;
  direction: 'collect' | 'send';
  name: string;
  size: number;
  done: number;
  state: 'asking' | 'uploading' | 'transferring' | 'complete' | 'refused' | 'failed';
  error?: string;
  file?: TicketFile;
}

/**
 * uploadFile posts a raw body with upload progress (fetch has none) and
 * answers like request: the JSON body, or an ApiError with the gateway's text.
 */
function uploadFile(path: string, body: Blob, onUpload?: (done: number, total: number) => void): Promise<TicketFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    if (onUpload) xhr.upload.onprogress = (e) => onUpload(e.loaded, e.total || body.size);
    xhr.onerror = () => reject(new ApiError('Cannot reach the gateway. Check your connection and try again.', 0));
    xhr.onload = () => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(xhr.responseText || '{}');
      } catch {
        /* not JSON: the status says it */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data as unknown as TicketFile);
        return;
      }
      const msg = typeof data.error === 'string' && data.error ? data.error : describeStatus(xhr.status);
      if (xhr.status === 401 && onUnauthorized) onUnauthorized();
      reject(new ApiError(msg, xhr.status, { code: typeof data.code === 'string' ? data.code : '' }));
    };
    xhr.send(body);
  });
}
