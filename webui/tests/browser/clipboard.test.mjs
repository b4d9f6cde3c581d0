// Browser test of the clipboard both ways (scope control): a real
// tether-client shares a private Xvfb display and shows its consent window;
// the technician's screen view sends text to the user's X clipboard (read
// back with xclip, as any program pasting would), and text the user copies
// (xclip -i) shows in the technician's panel. The user's window logs both,
// the audit trail holds both (hash, not text), and without scope control
// the panel is absent and a forged control is refused by the gateway.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addUser, artifactsDir, binDir, chromiumPath, fakeBrowser, launch, newContext, screenshot, signIn, skipOrFail, startClient, startGateway,
  startXvfb, ticketWithInvite, waitFor,
} from './harness.mjs';


const xclip = ['/usr/bin/xclip', '/usr/local/bin/xclip'].find(existsSync);
const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find(existsSync);
const skip = skipOrFail('the clipboard browser test',
  !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
    : !xvfb || !xclip ? 'Xvfb or xclip is missing (apt-get install -y xvfb xclip)' : '');

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;
const TO_USER = 'héllo ✓ clip';
const FROM_USER = 'from the user ✓ 42\nsecond line';
const sha = (s) => createHash('sha256').update(s, 'utf8').digest('hex');
const docImages = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'images');

describe('clipboard both ways', { skip, timeout: 240000 }, () => {
  let x, gw, browser, tech, user, client, other, dir;
  let clientOut = '';
  const problems = [];

  const readX = () => {
    try {
      return execFileSync(xclip, ['-display', x.display, '-o', '-selection', 'clipboard'], { timeout: 5000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return null; // nobody owns the clipboard yet
    }
  };
  const copyX = (text) => execFileSync(xclip, ['-display', x.display, '-i', '-selection', 'clipboard'], { input: text, timeout: 5000, stdio: ['pipe', 'ignore', 'ignore'] }); // xclip stays to serve the text

  before(async () => {
    x = await startXvfb(301, 320); // screen :161-:200, window :201-:240, journey :241-:280, workspace :281-:300
    const xsetroot = ['/usr/bin/xsetroot', '/usr/local/bin/xsetroot'].find(existsSync);
    if (xsetroot) execFileSync(xsetroot, ['-display', x.display, '-solid', '#3a6ea5'], { timeout: 10000 });
    gw = await startGateway(ADMIN_PW, ['--ice-loopback']);
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    browser = await launch();
    dir = mkdtempSync(join(tmpdir(), 'tether-clip-'));
  });

  after(async () => {
    if (client && client.exitCode === null) {
      client.kill('SIGINT');
      await new Promise((res) => client.once('exit', res));
    }
    if (other) await other.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail(), '\nclient:\n', clientOut);
      await gw.stop();
    }
    x?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const connected = (page, ticket) => waitFor('a connected session', () => page.evaluate(async (id) => {
    const ss = await fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json());
    return (ss || []).find((s) => s.state === 'connected')?.id;
  }, ticket), TIMEOUT, 200);

  it('sends text to the user and receives what the user copies, logged and audited', async () => {
    const tctx = await newContext(browser, problems, [['/api/v1/me', 401]]);
    await tctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    tech = await tctx.newPage();
    await signIn(tech, gw.url, 'tina', TINA_PW);
    const inv = await ticketWithInvite(tech, 'Paste my licence key', ['screen', 'control']);

    // The user's client with its consent window (as --window opens it).
    const desktop = fakeBrowser(dir);
    client = spawn(join(binDir, 'tether-client'), ['join', '--window', inv.join], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BROWSER: desktop.script, DISPLAY: x.display, SHELL: '/bin/sh' } });
    client.stdout.on('data', (d) => (clientOut += d));
    client.stderr.on('data', (d) => (clientOut += d));
    const link = await desktop.link(() => client.exitCode === null);
    user = await (await newContext(browser, problems)).newPage();
    await user.goto(link);
    await user.getByTestId('consent-form').waitFor({ timeout: TIMEOUT });
    await user.locator('input[name="scope"][value="screen"]').check();
    await user.locator('input[name="scope"][value="control"]').check();
    await user.getByTestId('allow').click();
    await user.getByTestId('status').filter({ hasText: 'tina is connected' }).waitFor({ timeout: TIMEOUT });
    const sid = await connected(tech, inv.ticket);

    await tech.goto(`${gw.url}/sessions/${sid}/screen`);
    await tech.getByTestId('clipboard-toggle').click();
    const panel = tech.getByTestId('clipboard-panel');
    await panel.waitFor({ timeout: TIMEOUT });

    // Technician → user: the X clipboard holds the text, exactly.
    await tech.getByTestId('clipboard-send-text').fill(TO_USER);
    await tech.getByTestId('clipboard-send').click();
    const pasted = await waitFor('the text on the user\'s X clipboard', () => readX() === TO_USER && TO_USER, TIMEOUT, 100);
    assert.equal(pasted, TO_USER);

    // Over the limit: refused in the page, nothing sent, the clipboard unchanged.
    await tech.getByTestId('clipboard-send-text').fill('x'.repeat(64 * 1024 + 1));
    await tech.getByTestId('clipboard-send').click();
    await panel.getByRole('alert').filter({ hasText: 'at most 64 KiB' }).waitFor({ timeout: TIMEOUT });
    assert.equal(readX(), TO_USER, 'text over the limit changed the clipboard');

    // User → technician: what the user copies shows in the panel.
    copyX(FROM_USER);
    const got = tech.getByTestId('clipboard-received');
    await got.filter({ hasText: 'from the user ✓ 42' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await got.textContent(), FROM_USER);
    const copied = await tech.evaluate(async () => {
      document.querySelector('[data-testid=clipboard-panel] button[aria-label^="Copy"]').click();
      await new Promise((r) => setTimeout(r, 200));
      return navigator.clipboard.readText();
    });
    assert.equal(copied, FROM_USER, 'the Copy button puts the user\'s text on the technician\'s clipboard');

    await tech.getByTestId('clipboard-send-text').fill(TO_USER);
    // The picture first, so the screenshot shows what a technician sees.
    await waitFor('a painted frame', () => tech.evaluate(() => Number(document.querySelector('[data-testid=screen-canvas]')?.dataset.frames ?? 0) > 0), TIMEOUT, 200);
    const shot = await screenshot(tech, 'screen-clipboard');
    if (process.env.TETHER_DOC_SHOTS === '1') {
      mkdirSync(docImages, { recursive: true });
      copyFileSync(shot, join(docImages, 'screen-clipboard.png'));
    }

    // The user's window logs both transfers (lengths, never the text).
    const activity = user.getByTestId('activity');
    await activity.filter({ hasText: 'tina put text on your clipboard (12 characters).' }).waitFor({ timeout: TIMEOUT });
    await activity.filter({ hasText: `Your clipboard text (${[...FROM_USER].length} characters) was sent to tina.` }).waitFor({ timeout: TIMEOUT });
    await user.evaluate(() => window.scrollTo(0, 0)); // the watched banner sticks to the top
    await user.screenshot({ path: join(artifactsDir, 'window-clipboard.png'), fullPage: true });

    // The audit trail: one entry each way, with the hash, without the text.
    const admin = await (await newContext(browser, problems, [['/api/v1/me', 401]])).newPage();
    await signIn(admin, gw.url, 'admin', ADMIN_PW);
    const entries = await admin.evaluate(async () => {
      const r = await fetch('/api/v1/audit?action=screen.clipboard').then((r) => r.json());
      return Array.isArray(r) ? r : r.entries;
    });
    const dirs = entries.map((e) => [e.details.direction, e.details.sha256, e.actor, e.session_id]);
    assert.deepEqual(dirs.sort(), [['from_user', sha(FROM_USER), 'tina', sid], ['to_user', sha(TO_USER), 'tina', sid]].sort());
    assert.ok(!JSON.stringify(entries).includes('licence') && !JSON.stringify(entries).includes('héllo'), 'the audit holds no text');
    await admin.context().close();
  });

  it('without scope control: no panel, a forged control is refused', async () => {
    const inv = await ticketWithInvite(tech, 'Only look', ['screen']);
    process.env.DISPLAY = x.display;
    other = startClient(inv.join, 'screen');
    const sid = await connected(tech, inv.ticket);
    await tech.goto(`${gw.url}/sessions/${sid}/screen`);
    await tech.getByTestId('screen-status').filter({ hasText: /webrtc|websocket/ }).waitFor({ timeout: TIMEOUT });
    assert.equal(await tech.getByTestId('clipboard-toggle').count(), 0, 'the clipboard panel is offered without scope control');

    // A page that forges the control over its own signaling socket.
    const before = readX();
    const reply = await tech.evaluate((id) => new Promise((res, rej) => {
      const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/api/v1/sessions/${id}/screen?transport=websocket`);
      const t = setTimeout(() => rej(new Error('no answer')), 15000);
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return;
        const m = JSON.parse(ev.data);
        if (m.type === 'hello') {
          ws.send(JSON.stringify({ type: 'control', control: { type: 'clipboard', text: 'forged' } }));
          ws.send(JSON.stringify({ type: 'control', control: { type: 'clipboard_get' } }));
        }
        if (m.type === 'error') {
          clearTimeout(t);
          ws.close();
          res({ hello: true, reason: m.reason });
        }
      };
    }), sid);
    assert.match(reply.reason, /clipboard refused/);
    assert.equal(readX(), before, 'a forged clipboard control changed the user\'s clipboard');
    const admin = await (await newContext(browser, problems, [['/api/v1/me', 401]])).newPage();
    await signIn(admin, gw.url, 'admin', ADMIN_PW);
    const n = await admin.evaluate(async (sid) => {
      const r = await fetch(`/api/v1/audit?action=screen.clipboard`).then((r) => r.json());
      return (Array.isArray(r) ? r : r.entries).filter((e) => e.session_id === sid).length;
    }, sid);
    assert.equal(n, 0, 'a refused clipboard control was audited as a transfer');
    await admin.context().close();
    assert.deepEqual(problems, []);
  });
});
