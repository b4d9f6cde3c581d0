import { afterEach, describe, expect, it, vi } from 'vitest';
import { isInAppLink, matchPath, mayLeave, navigate, setLeaveGuard, subscribe } from '../../src/lib/router';

describe('matchPath', () => {
  const cases: [string, string | null, Record<string, string>][] = [
    ['/', 'tickets', {}],
    ['/tickets', 'tickets', {}],
    ['/tickets/', 'tickets', {}],
    ['/tickets/12', 'ticket', { id: '12' }],
    ['/sessions/s3k9/shell', 'shell', { id: 's3k9' }],
    ['/sessions/s3k9/screen', 'screen', { id: 's3k9' }],
    ['/recordings/r%2Fx', 'replay', { id: 'r/x' }],
    ['/audit', 'audit', {}],
    ['/users', 'users', {}],
    ['/j/K7QF-3MZP-XW9D-HT2A', 'join', { code: 'K7QF-3MZP-XW9D-HT2A' }],
    ['/tickets/12/extra', null, {}],
    ['/sessions//shell', null, {}],
    ['/recordings/%E0%A4%A', null, {}],
    ['/nope', null, {}],
  ];
  for (const [path, name, params] of cases) {
    it(`${path} → ${name}`, () => {
      const m = matchPath(path);
      if (name === null) expect(m).toBeNull();
      else expect(m).toEqual({ name, params });
    });
  }
});

describe('isInAppLink', () => {
  const origin = 'https://gw.example:8443';
  const ev = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
  const a = (href: string, attrs: string[] = [], target = '') => ({ href, target, hasAttribute: (n: string) => attrs.includes(n) });
  it('routes plain same-origin links', () => expect(isInAppLink(a(`${origin}/tickets/3`), ev, origin)).toBe(true));
  it('leaves API links (downloads) to the browser', () =>
    expect(isInAppLink(a(`${origin}/api/v1/recordings/r1`), ev, origin)).toBe(false));
  it('leaves download links alone', () => expect(isInAppLink(a(`${origin}/x`, ['download']), ev, origin)).toBe(false));
  it('leaves other origins alone', () => expect(isInAppLink(a('https://evil.example/tickets'), ev, origin)).toBe(false));
  it('leaves target=_blank alone', () => expect(isInAppLink(a(`${origin}/t`, [], '_blank'), ev, origin)).toBe(false));
  it('leaves ctrl-click alone', () => expect(isInAppLink(a(`${origin}/t`), { ...ev, ctrlKey: true }, origin)).toBe(false));
  it('leaves middle-click alone', () => expect(isInAppLink(a(`${origin}/t`), { ...ev, button: 1 }, origin)).toBe(false));
  it('leaves prevented clicks alone', () =>
    expect(isInAppLink(a(`${origin}/t`), { ...ev, defaultPrevented: true }, origin)).toBe(false));
});

describe('setLeaveGuard', () => {
  // A minimal window for navigate: history, location and scrollTo.
  function fakeWindow(path: string) {
    const loc = { pathname: path, search: '', hash: '', origin: 'https://gw.example' };
    const pushed: string[] = [];
    const set = (to: string) => {
      const u = new URL(to, loc.origin);
      loc.pathname = u.pathname;
      loc.search = u.search;
      loc.hash = u.hash;
    };
    const hist = {
      pushState: (_s: unknown, _t: string, to: string) => (pushed.push(to), set(to)),
      replaceState: (_s: unknown, _t: string, to: string) => set(to),
    };
    vi.stubGlobal('location', loc);
    vi.stubGlobal('history', hist);
    vi.stubGlobal('window', { scrollTo: () => {} });
    return { loc, pushed, set };
  }
  afterEach(() => vi.unstubAllGlobals());

  it('keeps the page when the guard refuses, and tells the guard where to', () => {
    const w = fakeWindow('/tickets/3/workspace');
    const asked: string[] = [];
    const off = setLeaveGuard((to) => (asked.push(to), false));
    const seen: string[] = [];
    const unsub = subscribe((p) => seen.push(p));
    expect(navigate('/tickets/3')).toBe(false);
    expect(w.loc.pathname).toBe('/tickets/3/workspace');
    expect(asked).toEqual(['/tickets/3']);
    expect(seen).toEqual([]);
    unsub();
    off();
  });

  it('lets the page go when the guard agrees, when forced, and once removed', () => {
    const w = fakeWindow('/tickets/3/workspace');
    let allow = true;
    const off = setLeaveGuard(() => allow);
    expect(navigate('/tickets/3')).toBe(true);
    expect(w.loc.pathname).toBe('/tickets/3');
    allow = false;
    expect(navigate('/tickets', { force: true })).toBe(true);
    expect(w.loc.pathname).toBe('/tickets');
    expect(navigate('/live')).toBe(false);
    off();
    expect(navigate('/live')).toBe(true);
    expect(w.loc.pathname).toBe('/live');
  });

  it('a stale remover does not remove a newer guard', () => {
    fakeWindow('/a');
    const offOld = setLeaveGuard(() => true);
    const offNew = setLeaveGuard(() => false);
    offOld();
    expect(mayLeave('/b')).toBe(false);
    offNew();
    expect(mayLeave('/b')).toBe(true);
  });
});
