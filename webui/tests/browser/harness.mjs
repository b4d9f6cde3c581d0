// Test harness for the browser tests: starts the real tether-gateway and
// tether-client binaries on loopback and drives Debian's Chromium through
// playwright-core. Nothing here talks to anything but 127.0.0.1.

import { spawn, execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
export const webuiDir = resolve(here, '../..');
export const repoRoot = resolve(webuiDir, '..');
export const binDir = process.env.TETHER_BIN_DIR || join(repoRoot, 'bin');
export const artifactsDir = join(webuiDir, 'artifacts');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

/** skipReason says why the browser tests cannot run here, or '' when they can. */
export function skipReason() {
  if (!existsSync(chromiumPath)) return `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium)`;
  for (const b of ['tether-gateway', 'tether-client']) {
    if (!existsSync(join(binDir, b))) return `${join(binDir, b)} is missing: run make build first`;
  }
  return '';
}

/** inCI is true when CI=true (.ci/run sets it): a missing prerequisite then fails the run. */
export const inCI = process.env.CI === 'true';

/**
 * skipOrFail gives describe()'s `skip` option for a suite whose prerequisite
 * is missing (reason, '' when none is): on a developer's machine the suite is
 * skipped, loudly; in CI it is skipped too, but a failing test with the reason
 * is registered in its place, so the run goes red instead of testing less.
 */
export function skipOrFail(suite, reason) {
  if (!reason) return false;
  if (inCI) {
    test(`${suite}: prerequisites`, () => {
      throw new Error(`${reason} (CI=true: a browser test that cannot run fails the run instead of being skipped)`);
    });
  } else {
    console.error(`\n!!!!!!!!\n!!! SKIPPING ${suite}: ${reason}\n!!!!!!!!\n`);
  }
  return reason;
}

/** waitFor polls fn until it returns a truthy value or the deadline passes. */
export async function waitFor(what, fn, timeoutMs = 20000, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Proc wraps a child process and keeps its output for failure messages. */
class Proc {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    this.out = '';
    this.exited = null;
    const keep = (d) => {
      this.out += d.toString();
      if (this.out.length > 200_000) this.out = this.out.slice(-100_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.done = new Promise((res) => child.on('exit', (code, sig) => res((this.exited = { code, sig }))));
  }
  async stop(signal = 'SIGINT', graceMs = 5000) {
    if (this.exited) return this.exited;
    this.child.kill(signal);
    const r = await Promise.race([this.done, sleep(graceMs).then(() => null)]);
    if (r) return r;
    this.child.kill('SIGKILL');
    return this.done;
  }
  tail(n = 3000) {
    return `--- ${this.name} output (last ${n} chars) ---\n${this.out.slice(-n)}`;
  }
}

/**
 * startGateway starts tether-gateway on a free loopback port with a fresh data dir;
 * extraArgs are added to `serve` (e.g. ['--require-mfa', 'technician']).
 */
export async function startGateway(adminPassword, extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tether-webui-'));
  const ready = join(dataDir, 'ready.json');
  const child = spawn(
    join(binDir, 'tether-gateway'),
    ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--ready-file', ready, ...extraArgs],
    { env: { ...process.env, TETHER_ADMIN_PASSWORD: adminPassword }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const proc = new Proc('tether-gateway', child);
  let info;
  try {
    info = await waitFor('the gateway ready file', () => {
      if (proc.exited) throw new Error(`tether-gateway exited early (${JSON.stringify(proc.exited)})\n${proc.tail()}`);
      if (!existsSync(ready)) return null;
      try {
        return JSON.parse(readFileSync(ready, 'utf8'));
      } catch {
        return null; // half-written
      }
    }, 30000);
  } catch (e) {
    await proc.stop('SIGKILL');
    throw e;
  }
  return {
    url: info.url,
    fingerprint: info.fingerprint,
    dataDir,
    proc,
    async stop() {
      await proc.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** addUser runs `tether-gateway user add` with the password on stdin. */
export function addUser(dataDir, name, role, password) {
  return new Promise((res, rej) => {
    const c = execFile(
      join(binDir, 'tether-gateway'),
      ['user', 'add', '--data', dataDir, '--name', name, '--role', role],
      { timeout: 20000 },
      (err, stdout, stderr) => (err ? rej(new Error(`user add ${name}: ${err.message}\n${stdout}${stderr}`)) : res()),
    );
    c.stdin.end(`${password}\n`);
  });
}

/** startClient runs `tether-client join --accept SCOPES JOIN`; stop() sends SIGINT. */
export function startClient(joinString, scopes) {
  const child = spawn(join(binDir, 'tether-client'), ['join', '--accept', scopes, joinString], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SHELL: '/bin/sh', PS1: '$ ' },
  });
  return new Proc('tether-client', child);
}

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** launch starts Chromium exactly as /work/shared/ENVIRONMENT.md says. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/**
 * newContext makes a 1280×720 context whose pages record console errors,
 * uncaught exceptions and CSP violations into `problems`.
 * `expected` lists [urlSubstring, status] pairs for failed loads the test provokes on purpose.
 */
export async function newContext(browser, problems, expected = []) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 720 } });
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  ctx.on('page', (page) => watchPage(page, problems, expected));
  return ctx;
}

function watchPage(page, problems, expected) {
  page.on('pageerror', (err) => problems.push(`uncaught exception on ${page.url()}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location()?.url ?? '';
    if (/Failed to load resource/.test(text) && expected.some(([u, st]) => where.includes(u) && text.includes(String(st)))) return;
    problems.push(`console error on ${page.url()}: ${text}${where ? ` (${where})` : ''}`);
  });
}

export function ensureArtifacts() {
  mkdirSync(artifactsDir, { recursive: true });
}

export async function screenshot(page, name) {
  ensureArtifacts();
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** base32Decode reads an RFC 4648 base32 string (no padding needed). */
export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.toUpperCase().replace(/[\s=]/g, '')) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** totp computes an RFC 6238 code (HMAC-SHA1, 6 digits, 30 s steps) at timeMs. */
export async function totp(secret, timeMs = Date.now()) {
  const { createHmac } = await import('node:crypto');
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

/** signIn signs user in on page at the gateway's url and waits for the tickets list. */
export async function signIn(page, url, user, pw, timeout = 30000) {
  await page.goto(url + '/tickets');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout });
}

/**
 * ticketWithInvite creates a ticket and an invite for scopes through the API,
 * as the signed-in page itself would (same origin, its cookie), and returns
 * { ticket, join }.
 */
export async function ticketWithInvite(page, title, scopes) {
  return page.evaluate(async ({ title, scopes }) => {
    const post = (path, body) => fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then((r) => r.json());
    const t = await post('/api/v1/tickets', { title, description: 'created by a browser test' });
    const inv = await post(`/api/v1/tickets/${t.id}/invites`, { scopes });
    return { ticket: t.id, join: inv.join };
  }, { title, scopes });
}

/**
 * startXvfb starts Xvfb (-ac: the client's pure-Go X11 needs no cookie) on
 * a free display in :first-:last; each test file uses its own range so
 * files running at once never share a display.
 */
export async function startXvfb(first, last) {
  const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find(existsSync);
  if (!xvfb) throw new Error('Xvfb is missing (apt-get install -y xvfb)');
  for (let n = first; n <= last; n++) {
    if (existsSync(`/tmp/.X${n}-lock`)) continue;
    const child = spawn(xvfb, [`:${n}`, '-ac', '-nolisten', 'tcp', '-noreset', '-screen', '0', '1280x720x24'], { stdio: 'ignore' });
    let exited = false;
    child.on('exit', () => (exited = true));
    try {
      await waitFor(`Xvfb :${n}`, () => exited || existsSync(`/tmp/.X11-unix/X${n}`), 10000, 50);
    } catch { /* try the next display */ }
    if (!exited && existsSync(`/tmp/.X11-unix/X${n}`)) return { display: `:${n}`, stop: () => child.kill('SIGTERM') };
    child.kill('SIGKILL');
  }
  throw new Error(`no free X display in :${first}-:${last}`);
}

/** The package whose variables `make dist` sets to bake a gateway into the client. */
export const PRESET = 'github.com/tetherhq/tether/client/internal/preset';

/**
 * buildBakedClient builds tether-client into out as `make dist` does:
 * with the gateway's host:port and certificate pin baked in.
 */
export function buildBakedClient(out, gatewayHost, pin, goos = 'linux', goarch = 'amd64') {
  const ld = `-s -w -X ${PRESET}.Gateway=${gatewayHost} -X ${PRESET}.Pin=${pin}`;
  return new Promise((res, rej) => execFile('go', ['build', '-trimpath', '-ldflags', ld, '-o', out, './client/cmd/tether-client'],
    { cwd: repoRoot, timeout: 180000, maxBuffer: 1 << 24, env: { ...process.env, GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0' } },
    (err, stdout, stderr) => (err ? rej(new Error(`go build ${goos}/${goarch}: ${err.message}\n${stderr}`)) : res(out))));
}

/**
 * fakeBrowser writes a $BROWSER script into dir that records the links the
 * client asks the desktop to open; link() waits for the first one.
 */
export function fakeBrowser(dir, name = 'browser') {
  const urls = join(dir, `${name}-urls.txt`);
  const script = join(dir, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urls}'\n`);
  chmodSync(script, 0o755);
  return {
    script,
    link: (alive = () => true, timeoutMs = 30000) => waitFor('the link given to $BROWSER', () => {
      if (!alive()) throw new Error('the client exited before it opened its window');
      return existsSync(urls) && readFileSync(urls, 'utf8').trim().split('\n')[0];
    }, timeoutMs),
  };
}

/**
 * launchWithWebRTC starts Chromium with the ENVIRONMENT.md flags plus the
 * WebRTC ones (loopback candidates, no mDNS). Chromium honours only the
 * last --disable-features switch, so WebRtcHideLocalIpsWithMdns is merged
 * into Playwright's own list (read from a first launch's command line).
 */
export async function launchWithWebRTC() {
  const { chromium } = await import('playwright-core');
  const probe = await chromium.launchServer({ executablePath: chromiumPath, args: chromiumArgs });
  const cmdline = readFileSync(`/proc/${probe.process().pid}/cmdline`, 'utf8').split('\0');
  await probe.close();
  const theirs = cmdline.find((a) => a.startsWith('--disable-features='));
  const merged = `${theirs ?? '--disable-features='}${theirs && !theirs.endsWith('=') ? ',' : ''}WebRtcHideLocalIpsWithMdns`;
  return chromium.launch({
    executablePath: chromiumPath,
    ignoreDefaultArgs: theirs ? [theirs] : [],
    args: [...chromiumArgs, '--allow-loopback-in-peer-connection', '--webrtc-ip-handling-policy=default_public_interface_only', merged],
  });
}
