import { describe, expect, it } from 'vitest';
import type { DiagResult, ReportChange, ReportSummary } from '../../src/lib/api';
import {
  changeText, comparisonSummary, dataText, defaultPair, diagRequest, EMPTY_FORM, groupResults, logFileProblem, nameProblem,
  parseDuration, reportFileName, signed, sinceProblem, sortChanges, splitList, targetProblem, validateDiagForm,
} from '../../src/lib/diag';

const r = (name: string, status: string): DiagResult => ({ name, status: status as DiagResult['status'], summary: '', data: null, duration_ms: 1 });

describe('groupResults', () => {
  it('orders groups fail, warn, error, ok, skipped, then unknown statuses; names sorted inside', () => {
    const got = groupResults([
      r('memory', 'ok'), r('dns', 'skipped'), r('disks', 'warn'), r('cpu', 'ok'), r('logs', 'error'),
      r('ports', 'fail'), r('net', 'weird'), r('connectivity', 'fail'),
    ]);
    expect(got.map((g) => [g.status, g.results.map((x) => x.name)])).toEqual([
      ['fail', ['connectivity', 'ports']],
      ['warn', ['disks']],
      ['error', ['logs']],
      ['ok', ['cpu', 'memory']],
      ['skipped', ['dns']],
      ['other', ['net']],
    ]);
    expect(got.map((g) => g.heading)).toEqual(['Failed', 'Warnings', 'Could not run', 'OK', 'Skipped', 'Other']);
  });

  it('leaves empty groups out and copes with null', () => {
    expect(groupResults(null)).toEqual([]);
    expect(groupResults([r('a', 'ok')]).map((g) => g.status)).toEqual(['ok']);
  });

  it('does not reorder the caller\'s array', () => {
    const list = [r('b', 'ok'), r('a', 'ok')];
    groupResults(list);
    expect(list.map((x) => x.name)).toEqual(['b', 'a']);
  });
});

describe('dataText', () => {
  it('renders JSON text, never markup', () => {
    expect(dataText({ a: '<b>x</b>' })).toBe('{\n  "a": "<b>x</b>"\n}');
    expect(dataText(null)).toBe('(no data)');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(dataText(loop)).toBe('(data cannot be shown)');
  });
});

describe('form validation', () => {
  it.each([
    ['example.com:443', ''],
    ['[::1]:8080', ''],
    ['https://example.com/health', ''],
    ['http://example.com:8080/', ''],
    ['https://example.com:0/', 'port must be 1-65535'],
    ['example.com', 'want host:port or an http(s) URL'],
    ['example.com:99999', 'port must be 1-65535'],
    ['ftp://example.com', 'want host:port or an http(s) URL'],
    ['a b:80', 'contains spaces or control characters'],
  ])('target %j → %j', (t, want) => expect(targetProblem(t)).toBe(want));

  it.each([
    ['intranet.example.com', ''],
    ['a/b', 'not a host name'],
    ['a b', 'not a host name'],
  ])('name %j → %j', (n, want) => expect(nameProblem(n)).toBe(want));

  it.each([
    ['/var/log/syslog', ''],
    ['C:\\logs\\app.log', ''],
    ['\\\\server\\share\\x.log', ''],
    ['logs/app.log', 'must be an absolute path'],
  ])('log file %j → %j', (p, want) => expect(logFileProblem(p)).toBe(want));

  it.each([
    ['', ''],
    ['30m', ''],
    ['1h30m', ''],
    ['720h', ''],
    ['721h', 'since must be between 1s and 720h (30 days)'],
    ['500ms', 'since must be between 1s and 720h (30 days)'],
    ['yesterday', '"yesterday" is not a duration such as 1h or 30m'],
  ])('since %j → %j', (s, want) => expect(sinceProblem(s)).toBe(want));

  it('parses durations', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('1.5h')).toBe(5400);
    expect(parseDuration('90')).toBeNull();
  });

  it('splits lists on lines and commas and drops empties', () => {
    expect(splitList(' a.com:1 ,\n\n b.com:2\n')).toEqual(['a.com:1', 'b.com:2']);
  });

  it('lists every problem of a form in words', () => {
    const errs = validateDiagForm({ ...EMPTY_FORM, targets: 'ok.com:443\nbad', logFiles: 'rel.log', since: 'soon' });
    expect(errs).toEqual([
      'Targets: "bad" want host:port or an http(s) URL',
      'Log files: "rel.log" must be an absolute path',
      'Since: "soon" is not a duration such as 1h or 30m',
    ]);
    expect(validateDiagForm(EMPTY_FORM)).toEqual([]);
  });

  it('limits list sizes like the gateway', () => {
    const many = Array.from({ length: 9 }, (_, i) => `h${i}.com:1`).join('\n');
    expect(validateDiagForm({ ...EMPTY_FORM, targets: many })[0]).toBe('Targets: at most 8 entries (you have 9)');
    expect(validateDiagForm({ ...EMPTY_FORM, names: 'x'.repeat(513) })).toEqual(['Names: an entry is longer than 512 characters']);
  });

  it('builds the request: runbook or the full sweep, parameters only when given', () => {
    expect(diagRequest(EMPTY_FORM)).toEqual({ checks: [], params: {} });
    expect(diagRequest({ runbook: 'no-internet', targets: 'a.com:1', names: 'a.com', logFiles: '', since: ' 2h ' })).toEqual({
      runbook: 'no-internet',
      params: { targets: ['a.com:1'], names: ['a.com'], since: '2h' },
    });
  });
});

describe('comparison helpers', () => {
  const ch = (c: Partial<ReportChange>): ReportChange => ({ check: 'x', kind: 'status', ...c });

  it.each([
    [ch({ check: 'dns', before: 'fail', after: 'ok', direction: 'better' }), 'dns: fail → ok'],
    [ch({ check: 'ports', kind: 'added', after: 'ok' }), 'ports: new check (ok)'],
    [ch({ check: 'logs', kind: 'removed', before: 'warn' }), 'logs: no longer checked (was warn)'],
    [ch({ check: 'disks', kind: 'metric', field: 'mounts[/].used_percent', before: '98', after: '61', delta: -37 }), 'disks: mounts[/].used_percent 98 → 61 (−37)'],
    [ch({ check: 'cpu', kind: 'metric', field: 'usage_percent', before: '10', after: '45.5', delta: 35.456 }), 'cpu: usage_percent 10 → 45.5 (+35.46)'],
    [ch({ check: 'conn', kind: 'metric', field: 'targets[a].status_code', before: '200', after: '200' }), 'conn: targets[a].status_code 200 → 200'],
  ])('changeText %#', (c, want) => expect(changeText(c)).toBe(want));

  it('signs deltas', () => {
    expect([signed(3), signed(-0.5), signed(0), signed(0.001)]).toEqual(['+3', '−0.5', '0', '0']);
  });

  it('sorts worse first, then better, then neutral, by check', () => {
    const got = sortChanges([
      ch({ check: 'b', direction: 'better' }), ch({ check: 'z' }), ch({ check: 'w', direction: 'worse' }),
      ch({ check: 'a', direction: 'better' }), ch({ check: 'c', direction: 'worse' }),
    ]);
    expect(got.map((c) => c.check)).toEqual(['c', 'w', 'a', 'b', 'z']);
    expect(sortChanges(null)).toEqual([]);
  });

  it('summarises', () => {
    expect(comparisonSummary({ before_id: 'a', after_id: 'b', changes: [], better: 0, worse: 0 })).toBe('No changes between the two reports.');
    expect(comparisonSummary({ before_id: 'a', after_id: 'b', changes: [ch({}), ch({}), ch({})], better: 1, worse: 1 })).toBe('1 better, 1 worse, 1 other change');
  });

  it('picks the two newest reports, older first', () => {
    const rep = (id: string, at: string): ReportSummary => ({ id, ticket_id: 1, session_id: 's', created_at: at, duration_ms: 1, counts: {} });
    expect(defaultPair([rep('a', '2026-01-01T00:00:00Z')])).toBeNull();
    expect(defaultPair([rep('c', '2026-01-03T00:00:00Z'), rep('a', '2026-01-01T00:00:00Z'), rep('b', '2026-01-02T00:00:00Z')])).toEqual({ before: 'b', after: 'c' });
  });

  it('names the export file safely', () => {
    expect(reportFileName('d_abc', 12)).toBe('tether-report-12-d_abc.json');
    expect(reportFileName('../x y')).toBe('tether-report-___x_y.json');
  });
});

describe('report comparison setup', () => {
  it('orders the pickers newest first', async () => {
    const { newestFirst } = await import('../../src/lib/diag');
    const rep = (id: string, at: string) => ({ id, created_at: at }) as unknown as ReportSummary;
    const got = newestFirst([rep('a', '2026-01-01T10:00:00Z'), rep('c', '2026-01-03T10:00:00Z'), rep('b', '2026-01-02T10:00:00Z')]);
    expect(got.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(newestFirst(null)).toEqual([]);
  });
  it('says what was set up differently in words', async () => {
    const { setupText } = await import('../../src/lib/diag');
    expect(setupText({ what: 'checks', before: 'dns', after: 'dns, logs' })).toBe('Checks: dns → dns, logs');
    expect(setupText({ what: 'params.since', before: '30m0s', after: '1h0m0s' })).toBe('Log window: 30m0s → 1h0m0s');
    expect(setupText({ what: 'future.thing', before: '', after: 'x' })).toBe('future.thing: (none) → x');
  });
});
