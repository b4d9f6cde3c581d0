// Browser test of the first picture (issue 15): on a still screen full of
// detail (a 1280×720 noise pattern, a keyframe of about 1 MB), the screen
// view paints a complete picture soon after it opens, every time: over
// WebRTC and over the WebSocket, with and without injected loss (a gateway
// started with --fault-screen-drop drops the first chunks, or frames, sent
// to each viewer), as the first viewer (the client starts capturing) and as
// a late one (the gateway's composite answers). Every attempt's time from
// connect to the first painted picture is measured and reported
// (artifacts/first-picture.json, docs/screen.md); the test fails when any
// attempt takes longer than BOUND_MS, or paints an incomplete picture.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addUser, artifactsDir, chromiumPath, ensureArtifacts, launchWithWebRTC, newContext, signIn, skipOrFail, startClient,
  screenshot, startGateway, startXvfb, ticketWithInvite, waitFor,
} from './harness.mjs';

const xsetroot = ['/usr/bin/xsetroot', '/usr/local/bin/xsetroot'].find(existsSync);
const missing = !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
  : !xsetroot ? 'xsetroot is missing (apt-get install -y x11-xserver-utils)' : '';
const skip = skipOrFail('the first-picture browser test', missing);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TECH_PW = `tess-${randomBytes(9).toString('base64url')}`;
const DROP = 3; // chunks (WebRTC) or frames (WebSocket) dropped per viewer on the lossy gateway
const BOUND_MS = 10000; // the issue saw 12–45 s of black; a picture must come well before
const COLD = 5; // first-viewer attempts per transport
const WARM = 20; // late-joiner attempts per transport

/** noiseBitmap writes a 256×256 XBM of random bits (tiled by xsetroot: detail everywhere). */
function noiseBitmap(dir) {
  const bytes = randomBytes(256 * 256 / 8);
  const hex = Array.from(bytes, (b) => '0x' + b.toString(16).padStart(2, '0'));
  const file = join(dir, 'noise.xbm');
  writeFileSync(file, `#define noise_width 256\n#define noise_height 256\nstatic unsigned char noise_bits[] = {\n${hex.join(',')}\n};\n`);
  return file;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

describe('the first picture', { skip, timeout: 600000 }, () => {
  let x, tmp, browser;
  const gws = [];
  const clients = [];
  const results = [];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tether-first-'));
    x = await startXvfb(301, 320); // other files use :161-:300
    execFileSync(xsetroot, ['-display', x.display, '-bitmap', noiseBitmap(tmp), '-fg', '#dc1e1e', '-bg', '#1e1edc'], { timeout: 10000 });
    browser = await launchWithWebRTC();
  });

  after(async () => {
    for (const c of clients) await c.stop('SIGINT');
    await browser?.close();
    for (const g of gws) {
      if (process.exitCode) console.error(g.proc.tail());
      await g.stop();
    }
    x?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (results.length) {
      ensureArtifacts();
      writeFileSync(join(artifactsDir, 'first-picture.json'), JSON.stringify(results, null, 2));
    }
  });

  /** setUp starts a gateway (args), a technician and a client sharing the noisy screen; returns a signed-in context and the session. */
  async function setUp(args) {
    const gw = await startGateway(ADMIN_PW, ['--ice-loopback', ...args]);
    gws.push(gw);
    await addUser(gw.dataDir, 'tess', 'technician', TECH_PW);
    const problems = [];
    const ctx = await newContext(browser, problems, [['/api/v1/me', 401]]);
    const page = await ctx.newPage();
    await signIn(page, gw.url, 'tess', TECH_PW);
    const inv = await ticketWithInvite(page, 'First picture', ['screen']);
    process.env.DISPLAY = x.display;
    const client = startClient(inv.join, 'screen');
    clients.push(client);
    const sid = await waitFor('a connected session', () => page.evaluate(async (id) => {
      const ss = await fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json());
      return (ss || []).find((s) => s.state === 'connected')?.id;
    }, inv.ticket), 30000, 200);
    return { gw, ctx, page, sid, problems };
  }

  /** open navigates page to the screen view and returns the ms to a complete first picture. */
  async function open(page, url, sid, transport, what) {
    await page.goto(`${url}/sessions/${sid}/screen${transport === 'websocket' ? '?transport=websocket' : ''}`);
    const canvas = '[data-testid=screen-canvas]';
    if (what === 'lossy websocket cold #1') {
      // What the technician sees while the lost picture is asked again (a picture, not an assertion).
      try {
        await page.getByTestId('screen-waiting').waitFor({ timeout: 3000 });
        await screenshot(page, 'screen-waiting');
      } catch { /* the picture came first */ }
    }
    let ms;
    try {
      ms = await waitFor(`${what}: the first picture`, () => page.evaluate((s) => {
        const v = document.querySelector(s)?.dataset.firstPictureMs;
        return v === undefined ? null : Number(v);
      }, canvas), BOUND_MS + 5000, 20);
    } catch (e) {
      const st = await page.getByTestId('screen-status').textContent().catch(() => '?');
      const ds = await page.evaluate((s) => JSON.stringify(document.querySelector(s)?.dataset), canvas);
      throw new Error(`${e.message}; status ${st}; canvas ${ds}`);
    }
    // Complete: the whole canvas is painted (opaque at the corners and the
    // middle) with the pattern's colours, at the screen's size.
    const px = await page.evaluate((s) => {
      const c = document.querySelector(s);
      const g = c.getContext('2d');
      const at = [[1, 1], [c.width - 2, 1], [c.width / 2, c.height / 2], [1, c.height - 2], [c.width - 2, c.height - 2]];
      return { w: c.width, h: c.height, px: at.map(([x, y]) => Array.from(g.getImageData(Math.floor(x), Math.floor(y), 1, 1).data)) };
    }, canvas);
    assert.deepEqual([px.w, px.h], [1280, 720], `${what}: canvas size`);
    for (const [r, g, b, a] of px.px) {
      assert.ok(a === 255 && r + b > 150 && g < 120, `${what}: an unpainted or wrong pixel ${[r, g, b, a]} in ${JSON.stringify(px.px)}`);
    }
    assert.equal(await page.getByTestId('screen-waiting').count(), 0, `${what}: "Waiting for the first picture" still shown`);
    assert.ok(ms <= BOUND_MS, `${what}: the first picture took ${ms} ms (bound ${BOUND_MS} ms)`);
    return ms;
  }

  async function measure(name, args) {
    const { gw, ctx, page, sid, problems } = await setUp(args);
    for (const transport of ['webrtc', 'websocket']) {
      // Cold: nobody watches, the view opens the client's capture.
      const cold = [];
      for (let i = 0; i < COLD; i++) {
        cold.push(await open(page, gw.url, sid, transport, `${name} ${transport} cold #${i + 1}`));
        const rid = (await page.getByTestId('recorded').getAttribute('href')).split('/').pop();
        await page.goto(gw.url + '/tickets'); // leave: the feed closes with its last viewer, sealing its recording
        await waitFor('the view\'s recording sealed', () => page.evaluate(async (id) =>
          (await fetch(`/api/v1/recordings/${id}/meta`).then((r) => r.json())).state === 'sealed', rid), 20000, 100);
      }
      // Warm: another viewer keeps the feed open; every open is a late joiner.
      const holder = await ctx.newPage();
      await open(holder, gw.url, sid, 'websocket', `${name} holder`);
      const warm = [];
      for (let i = 0; i < WARM; i++) warm.push(await open(page, gw.url, sid, transport, `${name} ${transport} late #${i + 1}`));
      await holder.close();
      for (const [kind, xs] of [['cold', cold], ['late', warm]]) {
        const row = { gateway: name, transport, kind, n: xs.length, p50_ms: pct(xs, 50), p99_ms: pct(xs, 99), max_ms: Math.max(...xs), all_ms: xs };
        results.push(row);
        console.log(`first picture ${name} ${transport} ${kind}: n=${row.n} p50=${row.p50_ms} ms p99=${row.p99_ms} ms max=${row.max_ms} ms`);
      }
    }
    if (name === 'clean') {
      // Quality vs speed: the technician's choice repaints the still screen at it.
      await open(page, gw.url, sid, 'webrtc', 'quality');
      const status = page.getByTestId('screen-status');
      for (const [label, q] of [['Fast (slow links)', 40], ['Sharp (text, slower)', 90]]) {
        await page.getByTestId('screen-quality').selectOption({ label });
        await waitFor(`the picture at q${q}`, async () => (await status.textContent()).includes(`q${q}`), 20000);
      }
      await screenshot(page, 'screen-quality');
    }
    await page.goto(gw.url + '/tickets');
    await ctx.close();
    assert.deepEqual(problems, []);
  }

  it('arrives complete and soon on a still screen, without loss', async () => {
    await measure('clean', []);
  });

  it('arrives complete and soon when the first chunks to each viewer are lost', async () => {
    await measure('lossy', ['--fault-screen-drop', String(DROP)]);
  });
});
