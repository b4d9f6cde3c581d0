// Why a shell ended or was refused, in the technician's words. The gateway
// sends a typed end-cause code on the shell socket's exit frame (see
// docs/protocol.md, "Why it ended"); the text here is decided by the code,
// never by the reason's wording. A plain GET of the shell endpoint (the
// preflight) names a refusal before a WebSocket is tried.
import { ApiError, request } from './api';

const endText: Record<string, string> = {
  shell_exited: 'the shell exited on the user\'s machine',
  technician_ended: 'the shell was closed by the technician',
  user_ended: 'the user ended the session',
  user_revoked: 'the user revoked shell',
  right_withdrawn: 'your right to this shell was withdrawn',
  policy_timeout: 'the session reached a time limit',
  link_lost: 'the connection to the user\'s machine dropped',
  gateway_shutdown: 'the gateway is shutting down',
  gateway_restart: 'the gateway is restarting; reconnect in a moment',
  recording_failed: 'the recording failed, so the shell was stopped',
  client_failed: 'the user\'s client stopped',
};

/**
 * shellEndText words an exit frame: from its code when the code is known,
 * else from the gateway's reason (shown as text, never as markup).
 */
export function shellEndText(code: string, reason: string): string {
  const text = endText[code];
  if (text) {
    // right_withdrawn carries who or what withdrew it: keep that detail.
    if (code === 'right_withdrawn' && reason) return `${text} (${reason})`;
    return text;
  }
  return reason || 'the session ended';
}

/** ShellPreflight is the answer of GET /api/v1/sessions/{id}/shell. */
export type ShellPreflight = { ready: true } | { ready: false; status: number; code: string; message: string };

/**
 * shellPreflight asks whether a shell would open now, and if not, why:
 * the session ended (with its end reason), is not connected, shell was not
 * granted or was revoked, or the ticket is not yours.
 */
export function shellPreflight(sessionId: string, signal?: AbortSignal): Promise<ShellPreflight> {
  return channelPreflight(sessionId, 'shell', signal);
}

/** screenPreflight is shellPreflight for the screen view (GET /api/v1/sessions/{id}/screen). */
export function screenPreflight(sessionId: string, signal?: AbortSignal): Promise<ShellPreflight> {
  return channelPreflight(sessionId, 'screen', signal);
}

async function channelPreflight(sessionId: string, channel: 'shell' | 'screen', signal?: AbortSignal): Promise<ShellPreflight> {
  try {
    await request<{ ready: boolean }>('GET', `/api/v1/sessions/${encodeURIComponent(sessionId)}/${channel}`, undefined, { signal });
    return { ready: true };
  } catch (e) {
    if (e instanceof ApiError) return { ready: false, status: e.status, code: e.code, message: e.message };
    throw e;
  }
}

/** refusalText words a refused preflight as a sentence for the end notice. */
export function refusalText(p: { status: number; code: string; message: string }, what = 'the shell'): string {
  if (p.status === 0) return 'Could not reach the gateway (it may be restarting). Try Reconnect again in a moment.';
  let m = p.message.replace(/\.$/, '');
  if (p.code === 'not_assigned') m = `${m} (ask the assignee or an admin to escalate it to you)`;
  return `Could not open ${what}: ${m}.`;
}
