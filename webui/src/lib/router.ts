// A tiny history-API router: patterns like "/tickets/:id", a navigate
// function, and a document-level click handler that turns same-origin links
// into in-app navigation. No dependencies, so it is easy to unit-test.

export interface Route {
  name: string;
  pattern: string;
}

export interface Match {
  name: string;
  params: Record<string, string>;
}

export const routes: Route[] = [
  { name: 'tickets', pattern: '/' },
  { name: 'tickets', pattern: '/tickets' },
  { name: 'ticket', pattern: '/tickets/:id' },
  { name: 'workspace', pattern: '/tickets/:id/workspace' },
  { name: 'live', pattern: '/live' },
  { name: 'shell', pattern: '/sessions/:id/shell' },
  { name: 'screen', pattern: '/sessions/:id/screen' },
  { name: 'replay', pattern: '/recordings/:id' },
  { name: 'report', pattern: '/reports/:id' },
  { name: 'security', pattern: '/security' },
  { name: 'audit', pattern: '/audit' },
  { name: 'users', pattern: '/users' },
  { name: 'join', pattern: '/j/:code' },
  { name: 'join', pattern: '/j' }, // no code yet: the page asks for it
];

/** matchPath matches a path (no query or fragment) against the routes. */
export function matchPath(path: string, table: Route[] = routes): Match | null {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const parts = clean.split('/');
  for (const r of table) {
    const pp = r.pattern.split('/');
    if (pp.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pp.length; i++) {
      if (pp[i].startsWith(':')) {
        if (parts[i] === '') {
          ok = false;
          break;
        }
        try {
          params[pp[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
          break;
        }
      } else if (pp[i] !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { name: r.name, params };
  }
  return null;
}

type Listener = (path: string) => void;
const listeners = new Set<Listener>();

/** currentPath is the path part of the address bar. */
export function currentPath(): string {
  return typeof location === 'undefined' ? '/' : location.pathname;
}

/** subscribe calls fn on every navigation; returns the unsubscribe function. */
export function subscribe(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(): void {
  const p = currentPath();
  shownPath = p + location.search + location.hash;
  for (const l of listeners) l(p);
}

/**
 * A LeaveGuard is asked before an in-app navigation away from the current
 * page (a link, navigate(), the Back button); it returns false to stay.
 * The workspace sets one while shells are open.
 */
export type LeaveGuard = (to: string) => boolean;
let leaveGuard: LeaveGuard | null = null;
// The path the router last showed: where Back returns to when a guard refuses.
let shownPath = '';

/** setLeaveGuard installs fn (null removes it); returns a function that removes fn if it is still the guard. */
export function setLeaveGuard(fn: LeaveGuard | null): () => void {
  leaveGuard = fn;
  shownPath = currentPath() + (typeof location === 'undefined' ? '' : location.search + location.hash);
  return () => {
    if (leaveGuard === fn) leaveGuard = null;
  };
}

/** mayLeave asks the guard, if any, whether to go to `to`. */
export function mayLeave(to: string): boolean {
  return !leaveGuard || leaveGuard(to);
}

/** navigate changes the address without a reload; it returns false when the leave guard kept the page. */
export function navigate(to: string, opts: { replace?: boolean; force?: boolean } = {}): boolean {
  if (!opts.force && !mayLeave(to)) return false;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  emit();
  if (!opts.replace) window.scrollTo(0, 0);
  return true;
}

/** isInAppLink decides whether a click on an anchor should be routed in-app. */
export function isInAppLink(
  a: { href: string; target: string; hasAttribute(n: string): boolean },
  ev: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean; defaultPrevented: boolean },
  origin: string,
): boolean {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return false;
  if ((a.target && a.target !== '_self') || a.hasAttribute('download') || a.hasAttribute('data-external')) return false;
  let u: URL;
  try {
    u = new URL(a.href, origin);
  } catch {
    return false;
  }
  if (u.origin !== origin) return false;
  if (u.pathname.startsWith('/api/') || u.pathname === '/healthz') return false;
  return true;
}

/** start wires popstate and link clicks; returns a stop function. */
export function start(): () => void {
  const onPop = () => {
    // The address has already changed: put the shown page back when the guard says stay.
    const to = location.pathname + location.search + location.hash;
    if (leaveGuard && shownPath && to !== shownPath && !leaveGuard(to)) {
      history.pushState(null, '', shownPath);
      return;
    }
    emit();
  };
  const onClick = (ev: MouseEvent) => {
    const el = ev.target instanceof Element ? ev.target.closest('a[href]') : null;
    if (!(el instanceof HTMLAnchorElement)) return;
    if (!isInAppLink(el, ev, location.origin)) return;
    ev.preventDefault();
    const u = new URL(el.href);
    if (u.pathname + u.search + u.hash !== location.pathname + location.search + location.hash) {
      navigate(u.pathname + u.search + u.hash);
    }
  };
  window.addEventListener('popstate', onPop);
  document.addEventListener('click', onClick);
  return () => {
    window.removeEventListener('popstate', onPop);
    document.removeEventListener('click', onClick);
  };
}
