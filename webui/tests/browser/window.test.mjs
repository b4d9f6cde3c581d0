// The end user's consent window, driven as the user would: the real
// tether-client, built with the test gateway baked in (as make dist bakes
// it) and named with the invite code (as the join page's download is
// named), started as a double-click starts it: no arguments, no terminal.
// $BROWSER is a tiny script that writes the link it is given to a file;
// the test opens that link in Chromium. The technician's side is a second
// browser context on the console, signed in.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addUser, artifactsDir, buildBakedClient, fakeBrowser, startXvfb, chromiumPath, ensureArtifacts, launch, newContext, signIn, skipOrFail, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find(existsSync);
const skip = skipOrFail('the consent window browser test',
  !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
    : !xvfb ? 'Xvfb is missing (apt-get install -y xvfb)' : '');

const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;

/** screenshot saves the whole page (the consent form is longer than a screen). */
async function screenshot(page, name) {
  ensureArtifacts();
  await page.evaluate(() => window.scrollTo(0, 0)); // the watched banner sticks to the top
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

describe('the consent window', { skip, timeout: 240000 }, () => {
  let x, gw, browser, tech, user, client, dir, built;
  let clientOut = '';
  const problems = [];

  before(async () => {
    x = await startXvfb(201, 240); // screen.test.mjs uses :161-:200
    gw = await startGateway();
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    browser = await launch();
    dir = mkdtempSync(join(tmpdir(), 'tether-window-'));
  });

  after(async () => {
    if (client && client.exitCode === null) {
      client.kill('SIGINT');
      await new Promise((res) => client.once('exit', res));
    }
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail(), '\nclient:\n', clientOut);
      await gw.stop();
    }
    x?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** granted reads the session's granted scopes as the technician's console does. */
  const session = (ticket) => tech.evaluate(async (id) => {
    const ss = await fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json());
    return (ss || []).find((s) => s.state === 'connected') || (ss || [])[0] || null;
  }, ticket);

  it('asks consent, shows the session, revokes and ends, as the user sees it', async () => {
    tech = await (await newContext(browser, problems, [['/api/v1/me', 401]])).newPage();
    await signIn(tech, gw.url, 'tina', TINA_PW);
    const inv = await ticketWithInvite(tech, 'Printer vanished', ['diagnostics', 'shell', 'screen']);
    // The invite's join string is tether1:ADDR/CODE#sha256=PIN: the pin is what make dist bakes.
    const m = /^tether1:([^/]+)\/([A-Z0-9-]+)#sha256=([A-Za-z0-9_-]+)$/.exec(inv.join);
    assert.ok(m, `unexpected join string ${inv.join}`);
    const [, addr, code, pin] = m;

    // The client as make dist builds it, named as the join page names the download.
    const bin = join(dir, `tether-client-${code.replaceAll('-', '')}-linux-amd64`);
    await buildBakedClient(bin, addr, pin);
    built = bin;
    const desktop = fakeBrowser(dir);

    // Started as a double-click would: no arguments, no terminal.
    client = spawn(bin, [], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BROWSER: desktop.script, DISPLAY: x.display, SHELL: '/bin/sh' } });
    client.stdout.on('data', (d) => (clientOut += d));
    client.stderr.on('data', (d) => (clientOut += d));
    const link = await desktop.link(() => client.exitCode === null);
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/open\?k=[A-Za-z0-9_-]{40,}$/);
    assert.ok(clientOut.includes(link), 'the link is also printed for terminal users');

    const uctx = await newContext(browser, problems);
    user = await uctx.newPage();
    await user.goto(link);
    const form = user.getByTestId('consent-form');
    await form.waitFor({ timeout: TIMEOUT });
    assert.equal(await user.getByTestId('technician').textContent(), 'tina');
    assert.match(await user.getByTestId('ticket').textContent(), /Printer vanished/);
    for (const s of ['diagnostics', 'shell', 'screen']) {
      assert.equal(await user.locator(`input[name="scope"][value="${s}"]`).isChecked(), false, `${s} is off by default`);
    }
    assert.match(await form.textContent(), /reads logs from/, 'the diagnostics details are shown');
    // The used link opens nothing a second time.
    const again = await (await newContext(browser, problems, [['/open', 403], ['/favicon.ico', 403]])).newPage();
    assert.equal((await again.goto(link)).status(), 403);
    await again.context().close();

    await user.locator('input[name="scope"][value="shell"]').check();
    await user.locator('input[name="scope"][value="screen"]').check();
    await screenshot(user, 'window-consent');
    await user.getByTestId('allow').click();
    await user.getByTestId('status').filter({ hasText: 'tina is connected' }).waitFor({ timeout: TIMEOUT });
    const s = await waitFor('the connected session', async () => {
      const s = await session(inv.ticket);
      return s?.state === 'connected' && s;
    }, TIMEOUT, 200);
    assert.deepEqual([...s.granted].sort(), ['screen', 'shell'], 'the technician sees exactly what the user allowed');
    assert.equal(s.consent, 'window');
    assert.equal(await user.locator('input[name="granted"][value="shell"]').isChecked(), true);
    await screenshot(user, 'window-helped');

    // The technician watches the screen: the window says so.
    const viewer = await (await newContext(browser, problems, [['/api/v1/me', 401]])).newPage();
    await signIn(viewer, gw.url, 'tina', TINA_PW);
    await viewer.goto(`${gw.url}/sessions/${s.id}/screen`);
    await user.getByTestId('watched-banner').waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.match(await user.title(), /^● Screen shared/);
    assert.match(await user.getByTestId('now').textContent(), /watching your screen/);
    await screenshot(user, 'window-watched');
    await viewer.context().close();
    await user.getByTestId('watched-banner').waitFor({ state: 'hidden', timeout: TIMEOUT });

    {
      // Chat both ways.
      const said = await tech.evaluate(async (id) => (await fetch(`/api/v1/sessions/${id}/chat`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'Hello, I am looking at it' }) })).status, s.id);
      assert.equal(said, 201);
      await user.locator('[data-testid="chat-messages"] li[data-sender="technician"]').filter({ hasText: 'Hello, I am looking at it' }).waitFor({ timeout: TIMEOUT });
      await user.getByTestId('chat-input').fill('Thank you!');
      await user.getByTestId('chat-send').click();
      await user.locator('[data-testid="chat-messages"] li[data-sender="user"]').filter({ hasText: 'Thank you!' }).waitFor({ timeout: TIMEOUT });
      await waitFor('the user message on the ticket', () => tech.evaluate(async (id) => {
        const c = await fetch(`/api/v1/sessions/${id}/chat`).then((r) => r.json());
        return c.messages.some((m) => m.sender === 'user' && m.text === 'Thank you!');
      }, s.id), TIMEOUT, 200);
      // Ask for the third.
      const asked = await tech.evaluate(async (id) => (await fetch(`/api/v1/sessions/${id}/asks`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ scopes: ['diagnostics'], reason: 'to read the printer log' }) })).status, s.id);
      assert.equal(asked, 201);
      await user.getByTestId('ask-dialog').waitFor({ timeout: TIMEOUT });
      await user.locator('input[name="ask-scope"][value="diagnostics"]').check();
      await user.getByTestId('ask-allow').click();
      await waitFor('diagnostics granted', async () => (await session(inv.ticket))?.granted?.includes('diagnostics'), TIMEOUT, 200);
      await user.locator('input[name="granted"][value="diagnostics"]').waitFor({ timeout: TIMEOUT });
    }

    // Revoke the screen from the window: the technician sees it go at once.
    // Switching it off revokes at once (the list is then redrawn, so a click, not uncheck()).
    await user.locator('input[name="granted"][value="screen"]').click();
    await waitFor('screen revoked on the gateway', async () => {
      const g = (await session(inv.ticket))?.granted || [];
      return !g.includes('screen') && g.includes('shell');
    }, TIMEOUT, 200);
    await user.locator('input[name="granted"][value="screen"]').waitFor({ state: 'detached', timeout: TIMEOUT });

    // End, with the confirmation step.
    await user.getByTestId('end').click();
    await user.getByTestId('end-confirm').click();
    const ended = user.getByTestId('ended');
    await ended.waitFor({ timeout: TIMEOUT });
    assert.match(await ended.textContent(), /You ended the session/);
    await user.locator('button[name="rating"][value="4"]').waitFor({ timeout: TIMEOUT });
    for (const v of ['1', '2', '3', '5']) assert.ok(await user.locator(`button[name="rating"][value="${v}"]`).isVisible());
    await user.getByTestId('rating-comment').waitFor();
    await screenshot(user, 'window-ended');
    await waitFor('the session ended on the gateway', async () => (await session(inv.ticket))?.state === 'ended', TIMEOUT, 200);

    {
      await user.locator('button[name="rating"][value="4"]').click();
      await user.getByTestId('rating-comment').fill('Quick and kind');
      await user.getByTestId('rating-submit').click();
      await user.getByTestId('rating-thanks').waitFor({ timeout: TIMEOUT });
      const r = await session(inv.ticket);
      assert.equal(r.rating?.score, 4);
    }
    await user.close(); // the client quits once the page is gone (or rated)
    await waitFor('the client to exit', () => client.exitCode !== null, TIMEOUT, 100);
    assert.equal(client.exitCode, 0, `client output:\n${clientOut}`);
    assert.deepEqual(problems, []);
  });

  it('asks for the code read aloud when the file name has none, and a decline shares nothing', async () => {
    assert.ok(built, 'the first test built the client');
    const inv = await ticketWithInvite(tech, 'Scanner offline', ['diagnostics']);
    const code = /^tether1:[^/]+\/([A-Z0-9-]+)#/.exec(inv.join)[1];
    const bin = join(dir, 'tether-client'); // renamed: no code in the name
    copyFileSync(built, bin);
    chmodSync(bin, 0o755);
    const desktop2 = fakeBrowser(dir, 'browser2');
    let out = '';
    const c = spawn(bin, [], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BROWSER: desktop2.script, DISPLAY: x.display } });
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    try {
      const link = await desktop2.link(() => c.exitCode === null);
      // Provoked: a short code (400); the client quits after the decline while the page is open.
      const page = await (await newContext(browser, problems, [['/code', 400], ['/events', 'ERR_']])).newPage();
      await page.goto(link);
      await page.getByTestId('code-input').waitFor({ timeout: TIMEOUT });
      await screenshot(page, 'window-code');
      await page.getByTestId('code-input').fill('K7QF');
      await page.getByTestId('code-submit').click();
      await page.locator('#code-error').filter({ hasText: '16 letters and digits' }).waitFor({ timeout: TIMEOUT });
      // Read aloud: lower case, spaces instead of dashes.
      await page.getByTestId('code-input').fill(code.toLowerCase().replaceAll('-', ' '));
      await page.getByTestId('code-submit').click();
      await page.getByTestId('consent-form').waitFor({ timeout: TIMEOUT });
      assert.match(await page.getByTestId('ticket').textContent(), /Scanner offline/);
      await page.getByTestId('decline').click();
      await page.getByTestId('ended').filter({ hasText: 'You declined. Nothing was shared.' }).waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator('button[name="rating"]').first().isVisible(), false, 'no rating after a decline');
      await waitFor('the client to exit', () => c.exitCode !== null, TIMEOUT, 100);
      assert.equal(c.exitCode, 0, out);
      const ss = await tech.evaluate(async (id) => fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json()), inv.ticket);
      assert.ok(!(ss || []).some((s) => s.state === 'connected'), 'a declined invite left a connected session');
      await page.context().close();
    } finally {
      if (c.exitCode === null) c.kill('SIGKILL');
    }
    assert.deepEqual(problems, []);
  });
});
