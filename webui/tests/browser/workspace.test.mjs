// The ticket's session workspace against the real gateway and client: a
// shell keeps running (WebSocket and buffer) while the Diagnostics tab is
// shown, a second shell opens beside it, two panes show side by side, a tab
// the user did not grant says why, and leaving with open shells asks.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  binDir, chromiumPath, launch, newContext, screenshot, signIn, skipOrFail, startClient, startGateway, startXvfb, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the workspace browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;

describe('the session workspace', { skip, timeout: 240000 }, () => {
  let gw;
  let browser;
  let page;
  let client;
  let screenClient;
  let x;
  const problems = [];
  const expected = [['/api/v1/me', 401], ['/api/v1/downloads', 404]];
  const state = {};

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    browser = await launch();
    page = await (await newContext(browser, problems, expected)).newPage();
    await signIn(page, gw.url, 'admin', ADMIN_PW);
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    if (screenClient) await screenClient.stop('SIGINT');
    x?.stop();
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  const rowsText = (pane) => page.getByTestId(pane).locator('.xterm-rows').textContent().then((t) => t ?? '');

  async function typeIn(pane, text) {
    await page.getByTestId(pane).locator('.xterm').click();
    await page.keyboard.type(text, { delay: 10 });
  }

  it('opens from the ticket page with a connected shell', async () => {
    const t = await ticketWithInvite(page, 'Workspace test', ['diagnostics', 'shell', 'screen']);
    state.ticket = t.ticket;
    // screen is asked for but not granted: its tab says why.
    // The page listens to the event stream before the user joins, as a technician's would.
    await page.goto(`${gw.url}/tickets/${t.ticket}`);
    await page.locator('.stream.stream-live').waitFor({ timeout: TIMEOUT });
    client = startClient(t.join, 'diagnostics,shell');
    try {
      await page.locator('[data-testid="session"][data-state="connected"]').waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    await page.getByTestId('open-workspace').click();
    await page.waitForURL(/\/tickets\/\d+\/workspace$/);
    await page.locator('[data-testid="pane-shell-1"][data-phase="open"]').waitFor({ timeout: TIMEOUT });
    await typeIn('pane-shell-1', 'echo one-$((1+1))\n');
    await waitFor('one-2 in shell 1', async () => (await rowsText('pane-shell-1')).includes('one-2'), TIMEOUT);

    const screenTab = page.getByTestId('tab-screen');
    assert.equal(await screenTab.isDisabled(), true, 'the Screen tab is enabled without the screen scope');
    assert.match(await screenTab.getAttribute('title'), /the user did not grant screen/);
    await page.getByText('Screen: the user did not grant screen').waitFor();
  });

  it('keeps the shell running while diagnostics run in another tab', async () => {
    // Started before switching; its output arrives while the shell is hidden.
    await typeIn('pane-shell-1', 'sleep 2; echo later-$((3*4))\n');
    assert.ok(!(await rowsText('pane-shell-1')).includes('later-12'), 'the output came before the switch');
    await page.getByTestId('tab-diag').click();
    await page.getByTestId('pane-shell-1').waitFor({ state: 'hidden' });
    const diag = page.getByTestId('pane-diag');
    await diag.getByRole('button', { name: 'Run diagnostics' }).click();
    await diag.getByTestId('report').first().waitFor({ timeout: 90000 });
    await diag.locator('.checks').first().waitFor({ timeout: TIMEOUT });
    // The shell never closed while hidden.
    assert.equal(await page.getByTestId('pane-shell-1').getAttribute('data-phase'), 'open');

    await page.getByTestId('tab-shell-1').click();
    await page.getByTestId('pane-shell-1').waitFor({ state: 'visible' });
    await waitFor('later-12 in shell 1', async () => (await rowsText('pane-shell-1')).includes('later-12'), TIMEOUT);
    const text = await rowsText('pane-shell-1');
    assert.ok(text.includes('one-2'), 'the buffer lost what came before the switch');
    assert.ok(!text.includes('[disconnected]'), 'the shell disconnected while hidden');
    // Still the same live shell: it answers.
    await typeIn('pane-shell-1', 'echo again-$((5*5))\n');
    await waitFor('again-25 in shell 1', async () => (await rowsText('pane-shell-1')).includes('again-25'), TIMEOUT);
    await screenshot(page, 'workspace');
  });

  it('opens a second shell and shows two panes side by side', async () => {
    await page.getByRole('button', { name: '+ Shell' }).click();
    await page.locator('[data-testid="pane-shell-2"][data-phase="open"]').waitFor({ timeout: TIMEOUT });
    await page.getByTestId('pane-shell-1').waitFor({ state: 'hidden' });
    await typeIn('pane-shell-2', 'echo two-$((1+2))\n');
    await waitFor('two-3 in shell 2', async () => (await rowsText('pane-shell-2')).includes('two-3'), TIMEOUT);
    assert.ok(!(await rowsText('pane-shell-1')).includes('two-3'), 'shell 1 shows what was typed in shell 2');
    assert.equal(await page.getByTestId('workspace').getAttribute('data-open-shells'), '2');

    await page.getByRole('button', { name: 'Side by side' }).click();
    await page.getByTestId('second-pane').selectOption('diag');
    await page.getByTestId('pane-shell-2').waitFor({ state: 'visible' });
    await page.getByTestId('pane-diag').waitFor({ state: 'visible' });
    const a = await page.getByTestId('pane-shell-2').boundingBox();
    const b = await page.getByTestId('pane-diag').boundingBox();
    assert.ok(a && b && a.x + a.width <= b.x + 2 && a.width > 300 && b.width > 300, `panes not side by side: ${JSON.stringify({ a, b })}`);
    await screenshot(page, 'workspace-side-by-side');
  });

  it('asks before closing an open shell tab', async () => {
    let asked = '';
    page.once('dialog', (d) => ((asked = d.message()), d.dismiss()));
    await page.getByRole('button', { name: 'Close Shell 2' }).click();
    await waitFor('the question', () => asked !== '', TIMEOUT);
    assert.match(asked, /Shell 2 is still open/);
    assert.equal(await page.getByTestId('tab-shell-2').count(), 1, 'Cancel closed the shell');
    assert.equal(await page.getByTestId('pane-shell-2').getAttribute('data-phase'), 'open');
  });

  it('asks before leaving with open shells; Cancel keeps them', async () => {
    let asked = '';
    page.once('dialog', (d) => ((asked = d.message()), d.dismiss()));
    await page.getByRole('link', { name: /← Ticket/ }).click();
    await waitFor('the question', () => asked !== '', TIMEOUT);
    assert.match(asked, /2 shells are still open/);
    assert.match(new URL(page.url()).pathname, /\/workspace$/);
    assert.equal(await page.getByTestId('pane-shell-1').getAttribute('data-phase'), 'open');
    assert.equal(await page.getByTestId('pane-shell-2').getAttribute('data-phase'), 'open');
    // Back button: asked too, and Cancel stays.
    asked = '';
    page.once('dialog', (d) => ((asked = d.message()), d.dismiss()));
    await page.goBack();
    await waitFor('the question on Back', () => asked !== '', TIMEOUT);
    await waitFor('the workspace address back', () => new URL(page.url()).pathname.endsWith('/workspace'), TIMEOUT);
    assert.equal(await page.getByTestId('pane-shell-1').getAttribute('data-phase'), 'open');

    page.once('dialog', (d) => d.accept());
    await page.getByRole('link', { name: /← Ticket/ }).click();
    await page.waitForURL(new RegExp(`/tickets/${state.ticket}$`), { timeout: TIMEOUT });
    await page.getByTestId('open-workspace').waitFor({ timeout: TIMEOUT });
  });

  it('pauses a hidden Screen tab and resumes it with a keyframe', async () => {
    x = await startXvfb(281, 300);
    const t = await ticketWithInvite(page, 'Workspace screen test', ['screen']);
    const prev = process.env.DISPLAY;
    process.env.DISPLAY = x.display;
    screenClient = startClient(t.join, 'screen');
    if (prev === undefined) delete process.env.DISPLAY;
    else process.env.DISPLAY = prev;
    await page.goto(`${gw.url}/tickets/${t.ticket}/workspace`);
    // No shell asked for: the workspace opens on Chat, and + Shell says why.
    const plus = page.getByRole('button', { name: '+ Shell' });
    await plus.waitFor({ timeout: TIMEOUT });
    try {
      await waitFor('the session connected', async () => !(await page.getByTestId('tab-screen').isDisabled()), TIMEOUT);
    } catch (e) {
      throw new Error(`${e.message}\n${screenClient.tail()}`);
    }
    assert.equal(await plus.isDisabled(), true);
    assert.equal(await plus.getAttribute('title'), 'shell was not requested in the invite');
    await page.getByTestId('tab-screen').click();
    const canvas = '[data-testid="pane-screen"] [data-testid="screen-canvas"]';
    const data = () => page.evaluate((s) => ({ ...document.querySelector(s)?.dataset }), canvas);
    try {
      await waitFor('the first frames', async () => Number((await data()).frames || 0) > 0, TIMEOUT);
    } catch (e) {
      throw new Error(`${e.message}\n${screenClient.tail()}`);
    }
    await page.getByTestId('tab-chat').click();
    await waitFor('the screen paused', async () => (await data()).paused === 'true', TIMEOUT);
    const before = Number((await data()).frames);
    await page.getByTestId('tab-screen').click();
    await waitFor('the screen resumed', async () => (await data()).paused === 'false', TIMEOUT);
    // The still screen sends nothing by itself: a new frame is the resume's keyframe.
    try {
      await waitFor('a keyframe after resume', async () => Number((await data()).frames) > before, TIMEOUT);
    } catch (e) {
      const st = await page.getByTestId('pane-screen').getByTestId('screen-status').textContent();
      throw new Error(`${e.message}; frames before ${before}; canvas ${JSON.stringify(await data())}; status ${st}`);
    }
  });

  it('logged no console errors', () => {
    assert.deepEqual(problems, []);
  });
});
