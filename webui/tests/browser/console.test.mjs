// End-to-end test of the web console against the real gateway and client:
// sign in, create a ticket and an invite through the UI, connect a real
// tether-client, watch the session appear live, type in the shell, replay
// the recording, check the auditor's view and the public join page.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, chromiumPath, launch, newContext, screenshot, skipOrFail, startClient, startGateway, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the web console browser tests', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const rand = randomBytes(4).toString('hex');
const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const AUDITOR_PW = `audrey-${randomBytes(9).toString('base64url')}`;
const TECH_PW = `tina-${randomBytes(9).toString('base64url')}`;
const MARK = `MARK-${rand}`;
const TIMEOUT = 30000;

describe('web console', { skip, timeout: 240000 }, () => {
  let gw;
  let browser;
  let admin; // admin's page
  let adminCtx;
  let client;
  const problems = [];
  // Loads that fail on purpose: the sign-in check before signing in, a
  // wrong password, an unknown join code, optional endpoints not built yet.
  const expected = [
    ['/api/v1/me', 401],
    ['/api/v1/login', 401],
    ['/api/v1/join/', 404],
    ['/api/v1/downloads', 404],
  ];
  const state = {};

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    await addUser(gw.dataDir, 'audrey', 'auditor', AUDITOR_PW);
    await addUser(gw.dataDir, 'tina', 'technician', TECH_PW);
    browser = await launch();
    adminCtx = await newContext(browser, problems, expected);
    admin = await adminCtx.newPage();
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  async function signIn(page, user, pw) {
    await page.goto(gw.url + '/tickets');
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(pw);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
  }

  it('refuses a wrong password with a clear message, then signs in', async () => {
    await admin.goto(gw.url + '/');
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
    await admin.getByLabel('Username').fill('admin');
    await admin.getByLabel('Password').fill('wrong-password');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('alert').filter({ hasText: 'Invalid username or password' }).waitFor({ timeout: TIMEOUT });
    await signIn(admin, 'admin', ADMIN_PW);
  });

  it('creates a ticket and an invite through the UI', async () => {
    await admin.getByRole('button', { name: 'New ticket' }).click();
    await admin.getByLabel('Title').fill(`Printer offline ${rand}`);
    await admin.getByLabel('Requester').fill('bob@example.com');
    await admin.getByLabel('Description').fill('The office printer <b>vanished</b> since Monday.');
    await admin.getByRole('button', { name: 'Create ticket' }).click();
    await admin.waitForURL(/\/tickets\/\d+$/, { timeout: TIMEOUT });
    state.ticketId = Number(new URL(admin.url()).pathname.split('/').pop());
    await admin.getByRole('heading', { name: `Printer offline ${rand}` }).waitFor();
    // Text stays text: the description's markup is shown literally.
    await admin.getByText('The office printer <b>vanished</b> since Monday.').waitFor();

    // Status changes are saved and shown.
    await admin.getByLabel('Status', { exact: true }).selectOption('in_progress');
    await admin.locator('.page-head .chip', { hasText: 'in progress' }).waitFor({ timeout: TIMEOUT });

    await admin.getByRole('checkbox', { name: /^Screen/ }).check();
    await admin.getByRole('button', { name: 'Create invite' }).click();
    const joinEl = admin.getByTestId('invite-join');
    await joinEl.waitFor({ timeout: TIMEOUT });
    state.join = (await joinEl.textContent()).trim();
    state.inviteUrl = (await admin.getByTestId('invite-url').textContent()).trim();
    assert.match(state.join, /^tether1:127\.0\.0\.1:\d+\/[A-Z0-9-]+#sha256=[A-Za-z0-9_-]{43}$/);
    state.code = state.join.replace(/^.*\/([A-Z0-9-]+)#.*$/, '$1');
    const linux = (await admin.getByTestId('cmd-linux').textContent()).trim();
    assert.equal(linux, `tether-client join '${state.join}'`);
    const win = (await admin.getByTestId('cmd-windows').textContent()).trim();
    assert.equal(win, `tether-client.exe join '${state.join}'`);
    const qr = await admin.getByRole('img', { name: /QR code/ }).getAttribute('src');
    assert.match(qr, /^data:image\/png;base64,/);
    await screenshot(admin, 'ticket-invite');
    // A reload keeps the pending invite on screen.
    await admin.reload();
    await admin.getByTestId('invite-join').filter({ hasText: state.join }).waitFor({ timeout: TIMEOUT });
  });

  it('shows the session live when the client connects, without a reload', async () => {
    await admin.evaluate(() => ((window).__sameDocument = true));
    client = startClient(state.join, 'diagnostics,shell');
    const card = admin.locator('[data-testid="session"][data-state="connected"]');
    try {
      await card.waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    assert.equal(await admin.evaluate(() => (window).__sameDocument), true, 'the page reloaded');
    // screen was asked for but not granted: the button says why.
    await card.getByText('the user did not grant screen').waitFor();
    assert.equal(await card.getByRole('button', { name: 'View screen' }).isDisabled(), true);
    await screenshot(admin, 'ticket');
  });

  it('runs diagnostics and shows the report', async () => {
    const card = admin.locator('[data-testid="session"][data-state="connected"]');
    await card.getByRole('button', { name: 'Run diagnostics' }).click();
    const report = admin.getByTestId('report').first();
    await report.waitFor({ timeout: 90000 });
    await report.locator('.checks').first().waitFor({ timeout: TIMEOUT });
    assert.ok((await report.locator('.checks li').count()) > 0, 'the report lists no checks');
    await report.locator('.checks summary').first().click();
    await report.locator('pre.json').first().waitFor();
    await screenshot(admin, 'ticket-report');
  });

  it('opens the shell, runs a command and shows its output', async () => {
    await admin.getByRole('link', { name: 'Open shell' }).click();
    await admin.waitForURL(/\/sessions\/[^/]+\/shell$/);
    state.sessionId = decodeURIComponent(new URL(admin.url()).pathname.split('/')[2]);
    await admin.getByTestId('recorded-badge').waitFor();
    await admin.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await admin.locator('.xterm').click();
    // The output line differs from the typed line: $((6*7)) becomes 42.
    await admin.keyboard.type(`echo ${MARK}-$((6*7))\n`, { delay: 10 });
    const rows = admin.locator('.xterm-rows');
    await waitFor('the marker in the terminal', async () => ((await rows.textContent()) ?? '').includes(`${MARK}-42`), TIMEOUT);
    await screenshot(admin, 'shell');
  });

  it('lists the recording after the shell closes and replays it', async () => {
    await admin.getByRole('link', { name: /Ticket/ }).first().click();
    await admin.waitForURL(/\/tickets\/\d+$/);
    const row = admin.getByTestId('recording').first();
    await row.waitFor({ timeout: TIMEOUT });
    await row.getByRole('link', { name: 'Replay' }).click();
    await admin.waitForURL(/\/recordings\/[^/]+$/);
    state.recordingId = decodeURIComponent(new URL(admin.url()).pathname.split('/')[2]);
    await expectMarkerInPlayer(admin);
    await admin.getByTestId('verified').waitFor({ timeout: TIMEOUT });
    await screenshot(admin, 'replay');
  });

  it('shows the tickets list and the audit trail', async () => {
    const nav = admin.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Tickets', exact: true }).click();
    await admin.getByRole('link', { name: `Printer offline ${rand}` }).waitFor({ timeout: TIMEOUT });
    const filter = admin.getByLabel('Filter by status');
    await filter.selectOption('closed');
    await admin.getByText('No ticket matches these filters.').waitFor({ timeout: TIMEOUT });
    await filter.selectOption('');
    await admin.getByRole('searchbox').fill(rand);
    await admin.getByRole('link', { name: `Printer offline ${rand}` }).waitFor({ timeout: TIMEOUT });
    await admin.getByRole('searchbox').fill(`nothing-${rand}`);
    await admin.getByText('No ticket matches these filters.').waitFor({ timeout: TIMEOUT });
    await admin.getByRole('searchbox').fill('');
    await admin.getByRole('link', { name: `Printer offline ${rand}` }).waitFor({ timeout: TIMEOUT });
    await screenshot(admin, 'tickets');
    await nav.getByRole('link', { name: 'Audit', exact: true }).click();
    await admin.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await admin.getByTestId('chain-status').filter({ hasNotText: 'Checking' }).waitFor({ timeout: TIMEOUT });
    await admin.getByTestId('audit-table').or(admin.getByText('No audit entries match.')).first().waitFor({ timeout: TIMEOUT });
    await screenshot(admin, 'audit');
    await nav.getByRole('link', { name: 'Users', exact: true }).click();
    await admin.getByRole('cell', { name: 'audrey' }).waitFor({ timeout: TIMEOUT });
    const tina = admin.getByRole('row').filter({ has: admin.getByRole('cell', { name: 'tina', exact: true }) });
    await tina.getByRole('button', { name: 'Disable' }).click();
    await admin.getByTestId('confirm-ok').click(); // disabling asks first
    await tina.getByText('disabled', { exact: true }).waitFor({ timeout: TIMEOUT });
    await tina.getByRole('button', { name: 'Enable' }).click();
    await tina.getByText('active', { exact: true }).waitFor({ timeout: TIMEOUT });
    await screenshot(admin, 'users');
  });

  it('gives an auditor no working shell button but the replay', async () => {
    const ctx = await newContext(browser, problems, expected);
    const page = await ctx.newPage();
    await signIn(page, 'audrey', AUDITOR_PW);
    await page.goto(`${gw.url}/tickets/${state.ticketId}`);
    const card = page.locator('[data-testid="session"]').first();
    await card.waitFor({ timeout: TIMEOUT });
    assert.equal(await page.getByRole('link', { name: 'Open shell' }).count(), 0);
    // Controls an auditor may not use are shown disabled, with the reason.
    for (const b of await page.getByRole('button', { name: /^(Open shell|Create invite)$/ }).all()) {
      assert.equal(await b.isDisabled(), true, 'an auditor\'s control is disabled');
    }
    await page.getByTestId('recording').first().getByRole('link', { name: 'Replay' }).click();
    await expectMarkerInPlayer(page);
    await ctx.close();
  });

  it('shows the join page for a fresh invite, and says plainly when a link is used or unknown', async () => {
    // A fresh invite for the valid state.
    await admin.goto(`${gw.url}/tickets/${state.ticketId}`);
    await admin.getByRole('button', { name: 'Create invite' }).click();
    const fresh = (await admin.getByTestId('invite-url').textContent()).trim();
    const freshJoin = (await admin.getByTestId('invite-join').textContent()).trim();

    const ctx = await newContext(browser, problems, expected);
    const page = await ctx.newPage();
    await page.goto(fresh.replace(/^https:\/\/[^/]+/, gw.url));
    const valid = page.locator('[data-testid="join-state"][data-state="valid"]');
    await valid.waitFor({ timeout: TIMEOUT });
    await page.getByText(`Printer offline ${rand}`).first().waitFor();
    const cmd = (await page.getByTestId('join-command').textContent()).trim();
    const hash = new URL(fresh).hash;
    assert.ok(cmd.includes(hash), `the command ${cmd} lacks the fragment ${hash}`);
    assert.ok(cmd.includes(freshJoin.split('#')[0]), `the command ${cmd} lacks the join ${freshJoin}`);
    await screenshot(page, 'join');

    await page.goto(`${gw.url}/j/${state.code}`);
    await page.locator('[data-testid="join-state"][data-state="used"]').getByText('already been used').waitFor({ timeout: TIMEOUT });
    await page.goto(`${gw.url}/j/ZZZZ-ZZZZ-ZZZZ-ZZZZ`);
    await page.locator('[data-testid="join-state"][data-state="unknown"]').getByText('not valid').waitFor({ timeout: TIMEOUT });
    await screenshot(page, 'join-unknown');
    await ctx.close();
  });

  it('tells the technician plainly when the user ends the session', async () => {
    await admin.goto(`${gw.url}/sessions/${encodeURIComponent(state.sessionId)}/shell`);
    await admin.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await client.stop('SIGINT');
    client = null;
    const ended = admin.locator('.shell-ended[role="alert"]');
    await ended.waitFor({ timeout: TIMEOUT });
    assert.match(await ended.textContent(), /ended|dropped/i);
    await screenshot(admin, 'shell-ended');
    await admin.getByRole('link', { name: 'Back to the ticket' }).click();
    await admin.getByTestId('no-live-sessions').waitFor({ timeout: TIMEOUT });
  });

  it('signs out', async () => {
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
    await admin.goto(`${gw.url}/tickets`);
    await admin.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
  });

  it('logged no console errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });

  async function expectMarkerInPlayer(page) {
    const player = page.getByTestId('player');
    await page.getByRole('button', { name: 'Jump to end' }).waitFor({ timeout: TIMEOUT });
    const playerError = page.locator('.player-card [role="alert"]');
    await waitFor('the player to load', async () => {
      if (await playerError.count()) throw new Error(`the replay page says: ${await playerError.first().textContent()}`);
      return !(await page.getByRole('button', { name: 'Jump to end' }).isDisabled());
    }, TIMEOUT);
    await waitFor(`${MARK}-42 in the player`, async () => {
      const txt = (await player.textContent()) ?? '';
      if (txt.includes(`${MARK}-42`)) return true;
      await page.getByRole('button', { name: 'Jump to end' }).click();
      return false;
    }, TIMEOUT, 500);
  }
});
