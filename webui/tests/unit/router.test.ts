import { describe, expect, it } from 'vitest';
import { isInAppLink, matchPath } from '../../src/lib/router';

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
