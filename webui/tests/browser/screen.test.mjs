// Browser test of the screen view: a real tether-client shares a private
// Xvfb display, headless Chromium watches it through the gateway over
// WebRTC on loopback (gateway started with --ice-loopback), the canvas shows
// the picture and follows its change, and the recording replays it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { addUser, binDir, chromiumPath, launchWithWebRTC, newContext, screenshot, skipOrFail, startClient, waitFor } from './harness.mjs';

const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find(existsSync);
const xsetroot = ['/usr/bin/xsetroot', '/usr/local/bin/xsetroot'].find(existsSync);
const missing = !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
  : !xvfb || !xsetroot ? 'Xvfb or xsetroot is missing (apt-get install -y xvfb x11-xserver-utils)' : '';
const skip = skipOrFail('the screen view browser test', missing);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TECH_PW = `tess-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;
const RED = [220, 30, 30];
const BLUE = [30, 30, 220];

/** startXvfb starts Xvfb on a free display in :161-:200. */
async function startXvfb() {
  for (let n = 161; n <= 200; n++) {
    if (existsSync(`/tmp/.X${n}-lock`)) continue;
    const child = spawn(xvfb, [`:${n}`, '-ac', '-nolisten', 'tcp', '-noreset', '-screen', '0', '1280x720x24'], { stdio: 'ignore' });
    let exited = false;
    child.on('exit', () => (exited = true));
    for (let i = 0; i < 100 && !exited; i++) {
      await sleep(50);
      if (existsSync(`/tmp/.X11-unix/X${n}`)) {
        try {
          setRoot(`:${n}`, RED);
          return { display: `:${n}`, stop: () => child.kill('SIGTERM') };
        } catch { /* not ready yet */ }
      }
    }
    child.kill('SIGKILL');
  }
  throw new Error('no free X display in :161-:200');
}

const hex = (c) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
function setRoot(display, c) {
  execFileSync(xsetroot, ['-display', display, '-solid', hex(c)], { timeout: 10000 });
}

/** startGateway runs tether-gateway with WebRTC restricted to loopback. */
async function startGateway() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tether-screen-'));
  const ready = join(dataDir, 'ready.json');
  const child = spawn(join(binDir, 'tether-gateway'),
    ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--ready-file', ready, '--ice-loopback'],
    { env: { ...process.env, TETHER_ADMIN_PASSWORD: ADMIN_PW }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const info = await waitFor('the gateway ready file', () => {
    if (child.exitCode !== null) throw new Error(`tether-gateway exited: ${out}`);
    try { return JSON.parse(readFileSync(ready, 'utf8')); } catch { return null; }
  }, 30000);
  return { url: info.url, dataDir, tail: () => out.slice(-3000), stop: async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    rmSync(dataDir, { recursive: true, force: true });
  } };
}

describe('screen view', { skip, timeout: 180000 }, () => {
  let x, gw, browser, ctx, page, client;
  const problems = [];

  before(async () => {
    x = await startXvfb();
    gw = await startGateway();
    await addUser(gw.dataDir, 'tess', 'technician', TECH_PW);
    browser = await launchWithWebRTC();
    ctx = await newContext(browser, problems, [['/api/v1/me', 401]]);
    page = await ctx.newPage();
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.tail());
      await gw.stop();
    }
    x?.stop();
  });

  /** pixels reads canvas pixels at fractions of its size. */
  const pixels = (sel, points) => page.evaluate(([sel, points]) => {
    const c = document.querySelector(sel);
    const g = c.getContext('2d');
    return points.map(([fx, fy]) => Array.from(g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data.slice(0, 3)));
  }, [sel, points]);
  const near = (got, want) => got.every((v, i) => Math.abs(v - want[i]) < 40);
  const spots = [[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]];
  const showsColour = (sel, c) => async () => {
    const px = await pixels(sel, spots);
    return px.every((p) => near(p, c)) ? px : null;
  };

  it('shows the shared screen over WebRTC and follows changes', async () => {
    await page.goto(gw.url + '/tickets');
    await page.getByLabel('Username').fill('tess');
    await page.getByLabel('Password').fill(TECH_PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
    const inv = await page.evaluate(async () => {
      const post = (u, b) => fetch(u, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(b) }).then((r) => r.json());
      const t = await post('/api/v1/tickets', { title: 'Screen test', description: 'look at my screen' });
      return { ticket: t.id, ...(await post(`/api/v1/tickets/${t.id}/invites`, { scopes: ['screen'] })) };
    });
    process.env.DISPLAY = x.display;
    client = startClient(inv.join, 'screen');
    const sid = await waitFor('a connected session', () => page.evaluate(async (id) => {
      const ss = await fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json());
      return (ss || []).find((s) => s.state === 'connected')?.id;
    }, inv.ticket), TIMEOUT, 200);

    await page.goto(`${gw.url}/sessions/${sid}/screen`);
    const canvas = '[data-testid=screen-canvas]';
    await waitFor('the first frames', () => page.evaluate((s) => Number(document.querySelector(s)?.dataset.frames || 0) > 0, canvas), TIMEOUT);
    await waitFor('the red screen on the canvas', showsColour(canvas, RED), TIMEOUT);
    const dims = await page.evaluate((s) => [document.querySelector(s).width, document.querySelector(s).height], canvas);
    assert.deepEqual(dims, [1280, 720]);
    await waitFor('transport webrtc in the status', async () => /webrtc/.test(await page.getByTestId('screen-status').textContent()), TIMEOUT);
    assert.ok(await page.getByTestId('recorded').isVisible(), 'the "● recorded" badge is shown');

    setRoot(x.display, BLUE);
    try {
      await waitFor('the blue screen on the canvas', showsColour(canvas, BLUE), TIMEOUT);
    } catch (e) {
      const st = await page.getByTestId('screen-status').textContent();
      const fr = await page.evaluate((s) => JSON.stringify(document.querySelector(s).dataset), canvas);
      const notice = await page.locator('.notice').allTextContents();
      throw new Error(`${e.message}; status ${st}; frames painted ${fr}; notice ${notice}; pixels ${JSON.stringify(await pixels(canvas, spots))}`);
    }
    await screenshot(page, 'screen-live');
    const rid = (await page.getByTestId('recorded').getAttribute('href')).split('/').pop();

    // Leaving the page ends the view; the recording is sealed and replays.
    await page.goto(gw.url + '/tickets');
    await waitFor('the sealed recording', () => page.evaluate(async (id) =>
      (await fetch(`/api/v1/recordings/${id}/meta`).then((r) => r.json())).state === 'sealed', rid), TIMEOUT, 200);
    await page.goto(`${gw.url}/recordings/${rid}`);
    const replay = '[data-testid=replay-canvas]';
    await waitFor('the replay loaded', () => page.evaluate((s) => document.querySelector(s)?.dataset.ready === '1', replay), TIMEOUT);
    await waitFor('the replay starting red', showsColour(replay, RED), TIMEOUT);
    const seek = page.getByTestId('replay-seek');
    await seek.fill(await seek.getAttribute('max'));
    await waitFor('the replay ending blue', showsColour(replay, BLUE), TIMEOUT);
    await screenshot(page, 'screen-replay');
    assert.deepEqual(problems, []);
  });
});
