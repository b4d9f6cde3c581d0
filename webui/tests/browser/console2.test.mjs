// End-to-end tests of the round-2 console features against the real gateway
// and client: withdrawing an invite (the join page then says it expired),
// diagnostics through a runbook with the report grouped by status, JSON
// export and a comparison of two reports, MFA enrollment and sign-in with a
// TOTP code computed here (RFC 6238), escalation between technicians with
// the 403 shown in words, the admin's MFA reset, and the enrollment a
// --require-mfa gateway forces after sign-in.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, chromiumPath, launch, newContext, screenshot, skipOrFail, startClient, startGateway, totp, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the console browser tests (round 2)', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const rand = randomBytes(4).toString('hex');
const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const TOM_PW = `tom-${randomBytes(9).toString('base64url')}`;
const RITA_PW = `rita-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;
const ORDER = ['fail', 'warn', 'error', 'ok', 'skipped'];

describe('web console, round 2', { skip, timeout: 300000 }, () => {
  let gw;
  let browser;
  let admin;
  let client;
  const problems = [];
  // Loads that fail on purpose: the sign-in check, the login that asks for a
  // code, the technician who is not the assignee, optional endpoints.
  const expected = [
    ['/api/v1/me', 401],
    ['/api/v1/login', 401],
    ['/invites', 403],
    ['/api/v1/downloads', 404],
  ];
  const state = {};

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    await addUser(gw.dataDir, 'tom', 'technician', TOM_PW);
    browser = await launch();
    admin = await (await newContext(browser, problems, expected)).newPage();
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  async function signIn(page, url, user, pw) {
    await page.goto(url + '/tickets');
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(pw);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** enroll sets up MFA on the Security page and returns the secret. */
  async function enroll(page, shotName) {
    await page.getByRole('button', { name: 'Set up multi-factor sign-in' }).click();
    const secretEl = page.getByTestId('mfa-secret');
    await secretEl.waitFor({ timeout: TIMEOUT });
    const secret = (await secretEl.textContent()).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{16,}$/, `the secret ${secret} is not base32`);
    const qr = await page.getByRole('img', { name: /QR code to add Tether/ }).getAttribute('src');
    assert.match(qr, /^data:image\/png;base64,/);
    if (shotName) await screenshot(page, shotName);
    await page.getByLabel('One-time code').fill(await totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const rec = page.getByTestId('recovery');
    await rec.waitFor({ timeout: TIMEOUT });
    await rec.getByText('Store these recovery codes now').waitFor();
    assert.equal(await rec.locator('.recovery-codes li').count(), 10);
    if (shotName) await screenshot(page, `${shotName}-recovery`);
    const done = rec.getByRole('button', { name: 'Done' });
    assert.equal(await done.isDisabled(), true, 'Done is enabled before the codes are stored');
    await rec.getByLabel('I have stored the recovery codes').check();
    await done.click();
    await page.getByTestId('mfa-state').getByText('on', { exact: true }).waitFor({ timeout: TIMEOUT });
    return secret;
  }

  it('withdraws an unused invite through the UI; its join page says it has expired', async () => {
    await signIn(admin, gw.url, 'admin', ADMIN_PW);
    await admin.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
    await admin.getByRole('button', { name: 'New ticket' }).click();
    await admin.getByLabel('Title').fill(`Laptop slow ${rand}`);
    await admin.getByLabel('Description').fill('Everything takes ages since the update.');
    await admin.getByRole('button', { name: 'Create ticket' }).click();
    await admin.waitForURL(/\/tickets\/\d+$/, { timeout: TIMEOUT });
    state.ticketId = Number(new URL(admin.url()).pathname.split('/').pop());

    await admin.getByRole('button', { name: 'Create invite' }).click();
    const url = (await admin.getByTestId('invite-url').textContent()).trim();
    const code = url.replace(/^.*\/j\/([A-Z0-9-]+).*$/, '$1');
    await admin.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await admin.getByTestId('confirm-ok').click(); // withdrawing asks first
    await admin.getByTestId('withdrawn').filter({ hasText: code }).waitFor({ timeout: TIMEOUT });
    // The form is back and the list marks the invite expired.
    await admin.getByRole('button', { name: 'Create invite' }).waitFor();
    await admin.locator('.past-invites summary').click();
    await admin.locator('.past-invites li', { hasText: code }).getByText('expired', { exact: true }).waitFor({ timeout: TIMEOUT });

    const ctx = await newContext(browser, problems, expected);
    const page = await ctx.newPage();
    await page.goto(url.replace(/^https:\/\/[^/]+/, gw.url));
    const box = page.locator('[data-testid="join-state"][data-state="expired"]');
    await box.getByRole('heading', { name: 'This link has expired' }).waitFor({ timeout: TIMEOUT });
    await box.getByText('Ask your technician for a new one').waitFor();
    assert.equal(await page.getByTestId('join-command').count(), 0, 'an expired link still shows the command');
    await screenshot(page, 'join-withdrawn');
    await ctx.close();
  });

  it('runs a runbook with parameters, shows live progress and the report grouped by status, and exports it', async () => {
    await admin.getByRole('checkbox', { name: /^Screen/ }).uncheck();
    await admin.getByRole('button', { name: 'Create invite' }).click();
    const joinStr = (await admin.getByTestId('invite-join').textContent()).trim();
    client = startClient(joinStr, 'diagnostics,shell');
    const card = admin.locator('[data-testid="session"][data-state="connected"]');
    try {
      await card.waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    const runbook = card.getByLabel('Runbook');
    await waitFor('the runbook list', async () => (await runbook.locator('option').count()) > 1, TIMEOUT);
    await runbook.selectOption({ label: 'Slow computer' });
    await card.getByTestId('runbook-description').getByText('slow or freezes').waitFor();

    // A bad parameter is refused in words before anything is sent.
    await card.getByText('Parameters (targets').click();
    await card.getByLabel(/^Since/).fill('yesterday');
    await card.getByRole('button', { name: 'Run diagnostics' }).click();
    await card.getByRole('alert').getByText('"yesterday" is not a duration').waitFor({ timeout: TIMEOUT });
    await card.getByLabel(/^Since/).fill('2h');

    await card.getByRole('button', { name: 'Run diagnostics' }).click();
    await card.getByTestId('diag-progress').getByText(/of 7 checks done/).waitFor({ timeout: TIMEOUT });
    const view = admin.getByTestId('report-view').first();
    await view.waitFor({ timeout: 90000 });
    await view.getByText('runbook slow-computer').first().waitFor();
    const statuses = await view.getByTestId('status-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    assert.ok(statuses.length > 0, 'no status groups');
    const ranks = statuses.map((s) => ORDER.indexOf(s));
    assert.ok(ranks.every((r) => r >= 0), `unknown statuses ${statuses}`);
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), `groups out of order: ${statuses}`);
    const checks = await view.getByTestId('check').evaluateAll((els) => els.map((e) => e.getAttribute('data-check')));
    assert.deepEqual([...checks].sort(), ['cpu', 'disks', 'logs', 'memory', 'processes', 'services', 'system']);
    // Each check opens to its data, as text.
    await view.getByTestId('check').first().locator('summary').click();
    await view.locator('pre.json').first().waitFor();
    state.firstReport = await view.getAttribute('data-report-id');
    await view.scrollIntoViewIfNeeded();
    await screenshot(admin, 'diagnostics-report');

    const [dl] = await Promise.all([admin.waitForEvent('download'), view.getByRole('button', { name: 'Export JSON' }).click()]);
    assert.equal(dl.suggestedFilename(), `tether-report-${state.ticketId}-${state.firstReport}.json`);
    const exported = JSON.parse(readFileSync(await dl.path(), 'utf8'));
    assert.equal(exported.id, state.firstReport);
    assert.equal(exported.ticket_id, state.ticketId);
    assert.equal(exported.runbook, 'slow-computer');
    assert.equal(exported.results.length, 7);
  });

  it('compares two reports of the ticket', async () => {
    const card = admin.locator('[data-testid="session"][data-state="connected"]');
    await card.getByLabel('Runbook').selectOption('');
    await card.getByRole('button', { name: 'Run diagnostics' }).click();
    await waitFor('a second report', async () => (await admin.getByTestId('report').count()) === 2, 90000);
    await waitFor('the second report open', async () => {
      const id = await admin.getByTestId('report-view').first().getAttribute('data-report-id').catch(() => null);
      return id && id !== state.firstReport ? id : null;
    }, 90000);
    const box = admin.getByTestId('compare-box');
    await box.locator('summary').click();
    await box.getByRole('button', { name: 'Compare' }).click();
    const cmp = box.getByTestId('comparison');
    await cmp.waitFor({ timeout: TIMEOUT });
    await cmp.getByText(/better/).first().waitFor();
    // The full sweep has checks the runbook did not run: they show as new.
    const kinds = await cmp.getByTestId('change').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    assert.ok(kinds.includes('added'), `no added checks in ${kinds}`);
    await cmp.getByText(/network: new check/).waitFor();
    await box.scrollIntoViewIfNeeded();
    await screenshot(admin, 'diagnostics-compare');

    // The report has its own page, with the comparison preset to the previous report.
    await admin.goto(`${gw.url}/reports/${encodeURIComponent(state.firstReport)}`);
    await admin.getByRole('heading', { name: /Diagnostics report · slow-computer/ }).waitFor({ timeout: TIMEOUT });
    await admin.getByTestId('report-view').getByTestId('status-group').first().waitFor();
    await admin.getByRole('link', { name: `#${state.ticketId}` }).click();
    await admin.waitForURL(/\/tickets\/\d+$/);
  });

  it('enrolls MFA through the UI and signs in again with a TOTP code', async () => {
    const ctx = await newContext(browser, problems, expected);
    const tina = await ctx.newPage();
    await signIn(tina, gw.url, 'tina', TINA_PW);
    await tina.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
    await tina.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
    await tina.getByRole('heading', { name: 'Multi-factor sign-in' }).waitFor();
    state.tinaSecret = await enroll(tina, 'mfa-enrollment');

    await tina.getByRole('button', { name: 'Sign out' }).click();
    await tina.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
    await tina.getByLabel('Username').fill('tina');
    await tina.getByLabel('Password').fill(TINA_PW);
    await tina.getByRole('button', { name: 'Sign in' }).click();
    const otp = tina.getByLabel('One-time code');
    await otp.waitFor({ timeout: TIMEOUT });
    // The confirmation spent this time step; the next one is within the accepted skew.
    await otp.fill(await totp(state.tinaSecret, Date.now() + 30000));
    await tina.getByRole('button', { name: 'Sign in' }).click();
    await tina.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
    state.tina = tina;
  });

  it('escalates the ticket between technicians and says plainly when one may no longer act', async () => {
    await admin.goto(`${gw.url}/tickets/${state.ticketId}`);
    await admin.locator('select[name="escalate-to"] option[value="tina"]').waitFor({ state: 'attached', timeout: TIMEOUT });
    await admin.locator('select[name="escalate-to"]').selectOption('tina');
    await admin.locator('textarea[name="escalate-note"]').fill('Needs a deeper look at the services.');
    await admin.getByRole('button', { name: 'Escalate', exact: true }).click();
    await admin.getByRole('status').filter({ hasText: 'Escalated to tina' }).waitFor({ timeout: TIMEOUT });
    await admin.locator('.facts dd', { hasText: 'tina' }).first().waitFor();

    // tina, the assignee now, is no admin: she types the next technician's name.
    const tina = state.tina;
    await tina.goto(`${gw.url}/tickets/${state.ticketId}`);
    await tina.locator('input[name="escalate-to"]').fill('tom');
    await tina.getByRole('button', { name: 'Escalate', exact: true }).click();
    await tina.getByRole('status').filter({ hasText: 'Escalated to tom' }).waitFor({ timeout: TIMEOUT });
    await tina.getByTestId('escalate-hint').getByText('Only tom (the assignee) or an admin').waitFor({ timeout: TIMEOUT });
    // The admin's page follows live.
    await admin.locator('.facts dd', { hasText: 'tom' }).first().waitFor({ timeout: TIMEOUT });

    // tina may still read the ticket but not act on it: the control says so before any click.
    const create = tina.getByRole('button', { name: 'Create invite' });
    await tina.getByTestId('invite-reason').filter({ hasText: 'assigned to tom; ask tom or an admin to hand it to you' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await create.isDisabled(), true, 'Create invite is disabled for a technician who is not the assignee');
    await screenshot(tina, 'escalated');
  });

  it('shows the MFA flag to the admin and resets it', async () => {
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
    const row = admin.getByRole('row').filter({ has: admin.getByRole('cell', { name: 'tina', exact: true }) });
    await row.getByTestId('mfa-flag').getByText('on', { exact: true }).waitFor({ timeout: TIMEOUT });
    await row.getByRole('button', { name: 'Reset MFA' }).click();
    await admin.getByTestId('confirm-ok').click();
    await row.getByTestId('mfa-flag').getByText('off', { exact: true }).waitFor({ timeout: TIMEOUT });
    assert.equal(await row.getByRole('button', { name: 'Reset MFA' }).count(), 0);
  });

  it('sends a user whose role requires MFA straight to enrollment, then lets them in', async () => {
    const gw2 = await startGateway(ADMIN_PW, ['--require-mfa', 'technician']);
    try {
      await addUser(gw2.dataDir, 'rita', 'technician', RITA_PW);
      const ctx = await newContext(browser, problems, expected);
      const rita = await ctx.newPage();
      await signIn(rita, gw2.url, 'rita', RITA_PW);
      const why = rita.getByTestId('mfa-required');
      await why.getByRole('heading', { name: 'Set up multi-factor sign-in to continue' }).waitFor({ timeout: TIMEOUT });
      await why.getByText('Your role (technician) must sign in with a second factor').waitFor();
      await rita.waitForURL(/\/security$/);
      await screenshot(rita, 'mfa-required');
      // Other pages lead back here until enrollment is done.
      await rita.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tickets', exact: true }).click();
      await why.waitFor();
      await enroll(rita);
      assert.equal(await why.count(), 0);
      await rita.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tickets', exact: true }).click();
      await rita.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
      await ctx.close();
    } finally {
      await gw2.stop();
    }
  });

  it('logged no console errors and no CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
