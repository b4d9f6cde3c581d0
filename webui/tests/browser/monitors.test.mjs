// Browser test of monitor switching: a real tether-client shares a private
// Xvfb of 3840×1080 split into two RandR monitors (xrandr --setmonitor),
// the left one red and the right one blue; the technician picks monitor 2
// (the canvas becomes 1920×1080 and blue), then "All screens" (3840×1080,
// both colours); every switch is in the audit trail with the recording id.
// The transport is whichever the gateway and Chromium agree on: the switch
// is the same control and the same keyframe either way.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  artifactsDir, chromiumPath, ensureArtifacts, launch, newContext, repoRoot, signIn, skipOrFail, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const bin = (name) => [`/usr/bin/${name}`, `/usr/local/bin/${name}`].find(existsSync);
const xvfb = bin('Xvfb');
const xsetroot = bin('xsetroot');
const xrandr = bin('xrandr');
const missing = !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
  : !xvfb || !xsetroot || !xrandr ? 'Xvfb, xsetroot or xrandr is missing (apt-get install -y xvfb x11-xserver-utils x11-xserver-utils)' : '';
const skip = skipOrFail('the monitor switching browser test', missing);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;
const RED = [220, 30, 30];
const BLUE = [30, 30, 220];
const W = 3840;
const H = 1080;

/** startTwoMonitorXvfb starts a 3840×1080 Xvfb on a free display in :301-:320 with monitors A (left) and B (right). */
async function startTwoMonitorXvfb() {
  for (let n = 301; n <= 320; n++) {
    if (existsSync(`/tmp/.X${n}-lock`)) continue;
    // -noreset: RandR monitors set by xrandr last only while the server does not reset.
    const child = spawn(xvfb, [`:${n}`, '-ac', '-nolisten', 'tcp', '-noreset', '+extension', 'RANDR', '-screen', '0', `${W}x${H}x24`], { stdio: 'ignore' });
    let exited = false;
    child.on('exit', () => (exited = true));
    try {
      await waitFor(`Xvfb :${n}`, () => exited || existsSync(`/tmp/.X11-unix/X${n}`), 10000, 50);
    } catch { /* try the next display */ }
    if (!exited && existsSync(`/tmp/.X11-unix/X${n}`)) {
      const display = `:${n}`;
      const run = (args) => execFileSync(xrandr, ['--display', display, ...args], { timeout: 10000, stdio: 'pipe' });
      await waitFor('xrandr', () => { try { run(['--listmonitors']); return true; } catch { return false; } }, 10000, 100);
      run(['--setmonitor', '*A', '1920/508x1080/286+0+0', 'screen']);
      run(['--setmonitor', 'B', '1920/508x1080/286+1920+0', 'none']);
      return { display, stop: () => child.kill('SIGTERM'), monitors: run(['--listmonitors']).toString() };
    }
    child.kill('SIGKILL');
  }
  throw new Error('no free X display in :301-:320');
}

/** paintHalves sets the root to `left` on the left half and `right` on the right half (an XBM tiled down the screen). */
function paintHalves(display, left, right) {
  const dir = mkdtempSync(join(tmpdir(), 'tether-xbm-'));
  const file = join(dir, 'halves.xbm');
  const row = [...Array(W / 16).fill('0x00'), ...Array(W / 16).fill('0xff')]; // bit 1 = foreground
  writeFileSync(file, `#define halves_width ${W}\n#define halves_height 1\nstatic unsigned char halves_bits[] = {\n${row.join(', ')}};\n`);
  const hex = (c) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
  try {
    execFileSync(xsetroot, ['-display', display, '-bitmap', file, '-bg', hex(left), '-fg', hex(right)], { timeout: 10000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('monitor switching', { skip, timeout: 240000 }, () => {
  let x, gw, browser, ctx, page, client;
  const problems = [];

  before(async () => {
    x = await startTwoMonitorXvfb();
    paintHalves(x.display, RED, BLUE);
    gw = await startGateway(ADMIN_PW);
    browser = await launch();
    ctx = await newContext(browser, problems, [['/api/v1/me', 401]]);
    page = await ctx.newPage();
    await page.setViewportSize({ width: 1600, height: 900 });
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
    x?.stop();
  });

  const canvas = '[data-testid=screen-canvas]';
  /** state reads the canvas size and its pixels at fractions of its size. */
  const state = (points) => page.evaluate(([sel, points]) => {
    const c = document.querySelector(sel);
    if (!c) return { w: 0, h: 0, px: [] }; // the page is still loading
    const g = c.getContext('2d');
    return { w: c.width, h: c.height, px: points.map(([fx, fy]) => Array.from(g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data.slice(0, 3))) };
  }, [canvas, points]);
  const near = (got, want) => got.every((v, i) => Math.abs(v - want[i]) < 40);
  /** shows waits until the canvas is w×h and each point has its colour. */
  const shows = (what, w, h, spots) => waitFor(what, async () => {
    const s = await state(spots.map(([p]) => p));
    return s.w === w && s.h === h && s.px.length === spots.length && s.px.every((p, i) => near(p, spots[i][1])) ? s : null;
  }, TIMEOUT, 100).catch(async (e) => {
    throw new Error(`${e.message}: canvas ${JSON.stringify(await state(spots.map(([p]) => p)))}, status ${await page.getByTestId('screen-status').textContent()}`);
  });

  it('switches between the monitors and back to all, audited and visible in the replay', async () => {
    assert.match(x.monitors, /Monitors: 2/, `xrandr did not set two monitors:\n${x.monitors}`);
    await signIn(page, gw.url, 'admin', ADMIN_PW);
    const inv = await ticketWithInvite(page, 'Two screens', ['screen']);
    process.env.DISPLAY = x.display;
    client = startClient(inv.join, 'screen');
    const sid = await waitFor('a connected session', () => page.evaluate(async (id) => {
      const ss = await fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json());
      return (ss || []).find((s) => s.state === 'connected')?.id;
    }, inv.ticket), TIMEOUT, 200);

    await page.goto(`${gw.url}/sessions/${sid}/screen`);
    // All screens at first: red on the left, blue on the right.
    await shows('the whole 3840×1080 screen', W, H, [[[0.25, 0.5], RED], [[0.75, 0.5], BLUE]]);
    const picker = page.getByTestId('monitor-picker');
    await picker.waitFor({ timeout: TIMEOUT });
    const labels = await picker.locator('option').allTextContents();
    assert.deepEqual(labels, ['All screens', '1: A 1920×1080 (primary)', '2: B 1920×1080']);
    assert.equal(await picker.inputValue(), '-1');

    await picker.selectOption('1');
    await shows('monitor 2 (blue) alone', 1920, 1080, [[[0.1, 0.1], BLUE], [[0.5, 0.5], BLUE], [[0.9, 0.9], BLUE]]);
    assert.equal(await picker.inputValue(), '1');
    await waitFor('the status naming 1920×1080', async () => /1920×1080/.test(await page.getByTestId('screen-status').textContent()), TIMEOUT);
    // The tool bar with the picker and the top of the picture.
    const shot = join(artifactsDir, 'screen-monitors.png');
    ensureArtifacts();
    await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1280, height: 360 } });
    if (process.env.TETHER_DOC_SHOTS === '1') copyFileSync(shot, join(repoRoot, 'docs/images/screen-monitors.png'));

    await picker.selectOption('0');
    await shows('monitor 1 (red) alone', 1920, 1080, [[[0.1, 0.1], RED], [[0.5, 0.5], RED], [[0.9, 0.9], RED]]);

    await picker.selectOption('-1');
    await shows('the whole screen again', W, H, [[[0.25, 0.5], RED], [[0.75, 0.5], BLUE]]);

    const rid = (await page.getByTestId('recorded').getAttribute('href')).split('/').pop();
    const audits = await waitFor('three screen.monitor audit entries', () => page.evaluate(async (t) => {
      const es = await fetch(`/api/v1/audit?ticket=${t}&action=screen.monitor`).then((r) => r.json());
      return (es || []).length >= 3 ? es : null;
    }, inv.ticket), TIMEOUT, 200);
    const details = audits.map((e) => e.details).sort((a, b) => a.to - b.to);
    assert.deepEqual(details.map((d) => [d.from, d.to, d.name, d.recording_id]),
      [[0, -1, 'all', rid], [1, 0, 'A', rid], [-1, 1, 'B', rid]]);
    assert.equal(details[2].x, 1920);

    // The replay shows which monitor was on screen: the hello entries of the
    // recording mark each switch.
    await page.goto(gw.url + '/tickets');
    await waitFor('the sealed recording', () => page.evaluate(async (id) =>
      (await fetch(`/api/v1/recordings/${id}/meta`).then((r) => r.json())).state === 'sealed', rid), TIMEOUT, 200);
    const hellos = await page.evaluate(async (url) => {
      const b = new Uint8Array(await fetch(url).then((r) => r.arrayBuffer()));
      const dv = new DataView(b.buffer);
      const out = [];
      for (let p = 12 + dv.getUint32(8); p + 13 <= b.length;) {
        const t = Number(dv.getBigUint64(p)), len = dv.getUint32(p + 8), type = b[p + 12];
        if (type === 4) break;
        if (type === 2) out.push({ t, monitor: JSON.parse(new TextDecoder().decode(b.subarray(p + 13, p + 12 + len))).monitor ?? 0 }); // 0 is omitted
        p += 12 + len;
      }
      return out;
    }, `/api/v1/recordings/${rid}`);
    assert.deepEqual(hellos.map((h) => h.monitor), [1, 0, -1], 'one hello entry per switch, in order');
    await page.goto(`${gw.url}/recordings/${rid}`);
    await waitFor('the replay loaded', () => page.evaluate(() => document.querySelector('[data-testid=replay-canvas]')?.dataset.ready === '1'), TIMEOUT);
    const label = page.getByTestId('replay-monitor');
    assert.equal(await label.textContent(), 'Monitor All screens');
    const seek = page.getByTestId('replay-seek');
    const at = (t) => String(Math.ceil((t + 1) / 100) * 100); // the slider's step is 100 ms
    assert.ok(Number(at(hellos[0].t)) < hellos[1].t, `monitor 2 was shown too briefly to seek to: ${JSON.stringify(hellos)}`);
    await seek.fill(at(hellos[0].t));
    await waitFor('the replay naming monitor 2', async () => (await label.textContent()) === 'Monitor 2: B 1920×1080', TIMEOUT);
    await seek.fill(await seek.getAttribute('max'));
    await waitFor('the replay back on all screens', async () => (await label.textContent()) === 'Monitor All screens', TIMEOUT);
    assert.deepEqual(problems, []);
  });
});
