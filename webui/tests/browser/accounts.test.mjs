// End-to-end tests of the account features of issue #14 against the real
// gateway and client: changing one's own password (a wrong current password
// is refused in words; the right one ends the sign-in of another browser
// while this one stays), the MFA sign-in messages (a reused code, a wrong
// code), the MFA state while the recovery codes show, and the warning of a
// report comparison whose two runs were set up differently.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, launch, newContext, screenshot, signIn, skipOrFail, skipReason, startClient, startGateway, ticketWithInvite, totp, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the account browser tests', skipReason());

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const TINA_PW2 = `tina2-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;

describe('accounts: password, MFA messages, report comparison', { skip, timeout: 300000 }, () => {
  let gw;
  let browser;
  let client;
  const problems = [];
  // Failures the tests provoke: the sign-in check, logins that need or get a
  // wrong code, the refused password change, the ended sign-in's calls.
  const expected = [
    ['/api/v1/me', 401],
    ['/api/v1/login', 401],
    ['/api/v1/me/password', 403],
    ['/api/v1/', 401],
    ['/api/v1/downloads', 404],
    ['/api/v1/tickets', 403],
  ];
  const state = {};

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    browser = await launch();
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
    assert.deepEqual(problems, [], 'console errors or CSP violations');
  });

  it('changes the password: a wrong current one is refused, the right one ends the other browser', async () => {
    const here = await (await newContext(browser, problems, expected)).newPage();
    const there = await (await newContext(browser, problems, expected)).newPage();
    await signIn(here, gw.url, 'tina', TINA_PW);
    await signIn(there, gw.url, 'tina', TINA_PW);

    // The first-start message sends the admin to "Security" in the left navigation: it is there.
    await here.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    const form = here.getByTestId('change-password');
    await form.getByRole('heading', { name: 'Change password' }).waitFor({ timeout: TIMEOUT });

    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password', { exact: true }).fill(TINA_PW2);
    await form.getByLabel('New password again').fill(TINA_PW2);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').getByText('Your current password is not right.').waitFor({ timeout: TIMEOUT });
    // Refused: the other browser is still signed in.
    await there.reload();
    await there.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });

    await form.getByLabel('Current password').fill(TINA_PW);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').getByText('Password changed').waitFor({ timeout: TIMEOUT });
    await screenshot(here, 'security-change-password');

    // The other browser is signed out without doing anything (its event stream ended).
    await there.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
    // This one stays signed in.
    await here.getByRole('navigation').getByRole('link', { name: 'Tickets' }).click();
    await here.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
    await here.reload();
    await here.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
    state.tina = here;
  });

  it('shows MFA as on while the recovery codes show, and the codes left afterwards', async () => {
    const page = state.tina;
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
    await page.getByRole('button', { name: 'Set up multi-factor sign-in' }).click();
    const secretEl = page.getByTestId('mfa-secret');
    await secretEl.waitFor({ timeout: TIMEOUT });
    state.secret = (await secretEl.textContent()).replace(/\s+/g, '');
    state.usedCode = await totp(state.secret);
    await page.getByLabel('One-time code').fill(state.usedCode);
    await page.getByRole('button', { name: 'Turn on' }).click();
    const rec = page.getByTestId('recovery');
    await rec.waitFor({ timeout: TIMEOUT });
    // The bug was "Status: off" here.
    await page.getByTestId('mfa-state').getByText('on', { exact: true }).waitFor({ timeout: TIMEOUT });
    assert.equal(await page.getByTestId('mfa-state').getByText('off', { exact: true }).count(), 0);
    await screenshot(page, 'security-recovery-codes');
    await rec.getByLabel('I have stored the recovery codes').check();
    await rec.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('recovery-left').getByText('10 recovery codes left').waitFor({ timeout: TIMEOUT });
  });

  it('shows MFA as on on the recovery screen of a user whose role requires MFA', async () => {
    // Such a user has no event stream before enrolling, so nothing refreshes
    // the app's idea of the user: the page itself must know MFA is on.
    const gw2 = await startGateway(ADMIN_PW, ['--require-mfa', 'technician']);
    try {
      await addUser(gw2.dataDir, 'rita', 'technician', TINA_PW);
      const ctx = await newContext(browser, problems, expected);
      const rita = await ctx.newPage();
      await rita.goto(gw2.url + '/tickets');
      await rita.getByLabel('Username').fill('rita');
      await rita.getByLabel('Password').fill(TINA_PW);
      await rita.getByRole('button', { name: 'Sign in' }).click();
      await rita.getByTestId('mfa-required').waitFor({ timeout: TIMEOUT });
      await rita.getByTestId('mfa-state').getByText('off', { exact: true }).waitFor({ timeout: TIMEOUT });
      await rita.getByRole('button', { name: 'Set up multi-factor sign-in' }).click();
      const secretEl = rita.getByTestId('mfa-secret');
      await secretEl.waitFor({ timeout: TIMEOUT });
      const secret = (await secretEl.textContent()).replace(/\s+/g, '');
      await rita.getByLabel('One-time code').fill(await totp(secret));
      await rita.getByRole('button', { name: 'Turn on' }).click();
      await rita.getByTestId('recovery').waitFor({ timeout: TIMEOUT });
      await rita.getByTestId('mfa-state').getByText('on', { exact: true }).waitFor({ timeout: 5000 });
      await screenshot(rita, 'security-recovery-codes-required');
      await ctx.close();
    } finally {
      await gw2.stop();
    }
  });

  it('says when a sign-in code was already used, or is wrong', async () => {
    const page = await (await newContext(browser, problems, expected)).newPage();
    await page.goto(gw.url + '/tickets');
    await page.getByLabel('Username').fill('tina');
    await page.getByLabel('Password').fill(TINA_PW2);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const otp = page.getByLabel('One-time code');
    await otp.waitFor({ timeout: TIMEOUT });

    await otp.fill(state.usedCode); // spent when MFA was turned on
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('This code was already used; wait for the next one.').waitFor({ timeout: TIMEOUT });
    await screenshot(page, 'login-otp-reused');

    const now = await totp(state.secret);
    const next = await totp(state.secret, Date.now() + 30000);
    const wrong = ['000000', '111111', '222222'].find((c) => c !== now && c !== next && c !== state.usedCode);
    await otp.fill(wrong);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText(/^Wrong code\./).waitFor({ timeout: TIMEOUT });
    assert.equal(await page.getByText('Invalid username or password').count(), 0);

    await otp.fill(next);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Tickets' }).waitFor({ timeout: TIMEOUT });
  });

  it('warns when the two compared reports had different checks', async () => {
    const page = await (await newContext(browser, problems, expected)).newPage();
    await signIn(page, gw.url, 'admin', ADMIN_PW);
    const { ticket, join: joinStr } = await ticketWithInvite(page, 'Compare setups', ['diagnostics']);
    client = startClient(joinStr, 'diagnostics');
    await page.goto(`${gw.url}/tickets/${ticket}`);
    const card = page.locator('[data-testid="session"][data-state="connected"]');
    try {
      await card.waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    // Two small runs with different checks, through the API as the page would.
    const ids = await page.evaluate(async (ticket) => {
      const sessions = await (await fetch(`/api/v1/tickets/${ticket}/sessions`)).json();
      const s = sessions.find((x) => x.state === 'connected') ?? sessions[0];
      const run = async (checks) => {
        const r = await fetch(`/api/v1/sessions/${s.id}/diagnostics`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ checks }),
        });
        return (await r.json()).id;
      };
      const a = await run(['system']);
      const b = await run(['system', 'memory']);
      return [a, b];
    }, ticket);
    assert.ok(ids[0] && ids[1], `reports ${ids}`);
    await waitFor('both reports listed', async () => (await page.getByTestId('report').count()) === 2, TIMEOUT);

    const box = page.getByTestId('compare-box');
    await box.locator('summary').click();
    // The pickers list the newest report first.
    const firstOption = await box.locator('select[name="before"] option:not([disabled])').first().getAttribute('value');
    assert.equal(firstOption, ids[1], 'the newest report is not first in the picker');
    await box.getByRole('button', { name: 'Compare' }).click();
    const warn = box.getByTestId('setup-differences');
    await warn.waitFor({ timeout: TIMEOUT });
    await warn.getByText('These runs were not set up the same way').waitFor();
    await warn.locator('[data-what="checks"]').getByText('Checks: system → memory, system').waitFor();
    await box.scrollIntoViewIfNeeded();
    await screenshot(page, 'diagnostics-compare-setup');
  });
});
