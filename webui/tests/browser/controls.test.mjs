// Honest controls against the real gateway and client: a technician who is
// not the assignee, and an auditor, see every control of the ticket
// disabled with the reason before any click; an invite used by a real
// client moves to the history at once (from the `invite` event, no reload);
// ending a session and disabling a user ask first, and Cancel (or Escape)
// changes nothing.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, launch, newContext, screenshot, signIn, skipOrFail, skipReason, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the honest-controls browser tests', skipReason());
const pw = (who) => `${who}-${randomBytes(9).toString('base64url')}`;
const ADMIN_PW = pw('admin');
const TOM_PW = pw('tom');
const TINA_PW = pw('tina');
const AUDREY_PW = pw('audrey');
const TIMEOUT = 30000;
const NOT_MINE = 'assigned to tom; ask tom or an admin to hand it to you';
const AUDITOR = 'auditors can read but not act';

describe('honest controls', { skip, timeout: 240000 }, () => {
  let gw;
  let browser;
  let client;
  const problems = [];
  const expected = [['/api/v1/me', 401], ['/api/v1/downloads', 404]];
  const state = {};

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    await addUser(gw.dataDir, 'tom', 'technician', TOM_PW);
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    await addUser(gw.dataDir, 'audrey', 'auditor', AUDREY_PW);
    browser = await launch();
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  it('moves an invite a real client used to the history at once, without reload', async () => {
    const tom = await (await newContext(browser, problems, expected)).newPage();
    state.tom = tom;
    await signIn(tom, gw.url, 'tom', TOM_PW);
    const { ticket, join: joinString } = await ticketWithInvite(tom, 'Outlook will not start', ['diagnostics', 'shell']);
    state.ticket = ticket;
    await tom.goto(`${gw.url}/tickets/${ticket}`);
    await tom.getByTestId('invite-code').waitFor({ timeout: TIMEOUT });
    // Count navigations: the move must come from the event, not a reload.
    let loads = 0;
    tom.on('load', () => loads++);
    client = startClient(joinString, 'diagnostics,shell');
    try {
      await tom.getByTestId('invite-used').waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    assert.equal(await tom.getByTestId('invite-code').count(), 0, 'the used invite is no longer shown as pending');
    assert.equal(await tom.getByTestId('withdraw-invite').count(), 0, 'a used invite has no Withdraw');
    await tom.locator('[data-testid="invite-history"] summary').click();
    const row = tom.locator('[data-testid="invite-row"]').first();
    await waitFor('the history row marked used', async () => (await row.getAttribute('data-state')) === 'used');
    await tom.locator('[data-testid="session"][data-state="connected"]').waitFor({ timeout: TIMEOUT });
    assert.equal(loads, 0, 'no reload');
    await screenshot(tom, 'controls-invite-used');
  });

  for (const [who, password, reason] of [['tina', TINA_PW, NOT_MINE], ['audrey', AUDREY_PW, AUDITOR]]) {
    it(`shows ${who} every control disabled with the reason: "${reason}"`, async () => {
      const page = await (await newContext(browser, problems, expected)).newPage();
      await signIn(page, gw.url, who, password);
      await page.goto(`${gw.url}/tickets/${state.ticket}`);
      const card = page.locator('[data-testid="session"][data-state="connected"]');
      await card.waitFor({ timeout: TIMEOUT });
      // Each control is disabled, and names (aria-describedby) the reason, which is on the page.
      const controls = [
        card.getByRole('button', { name: 'Open shell' }),
        card.getByRole('button', { name: 'View screen' }),
        card.getByRole('button', { name: 'Run diagnostics' }),
        card.getByRole('button', { name: 'End session' }),
        card.getByTestId('ask-button'),
        card.getByTestId('chat-send'),
        page.getByRole('button', { name: 'Create invite' }),
        page.getByRole('button', { name: 'Escalate', exact: true }),
      ];
      if (who === 'tina') controls.push(page.getByRole('button', { name: 'Take it' }), page.locator('#status-select'));
      for (const c of controls) {
        await c.waitFor({ timeout: TIMEOUT });
        assert.equal(await c.isDisabled(), true, `${await c.evaluate((e) => e.outerHTML.slice(0, 80))} is disabled for ${who}`);
        const id = await c.getAttribute('aria-describedby');
        assert.ok(id, `${await c.evaluate((e) => e.outerHTML.slice(0, 80))} names its reason`);
        const text = (await page.locator(`[id="${id}"]`).textContent()).trim();
        if (c === controls[7]) assert.match(text, who === 'tina' ? /Only tom \(the assignee\) or an admin/ : /Auditors can read but not act/);
        else if (who === 'tina' && c === controls[8]) assert.equal(text, 'assigned to tom; only an admin can reassign it, or tom can escalate it to you');
        else assert.equal(text, reason);
      }
      assert.equal(await card.getByRole('link', { name: 'Open shell' }).count(), 0, 'no working shell link');
      await screenshot(page, `controls-${who}`);
      // The workspace says the same: + Shell is disabled with the reason, and no shell opens by itself.
      await page.goto(`${gw.url}/tickets/${state.ticket}/workspace`);
      const plus = page.getByRole('button', { name: '+ Shell' });
      await plus.waitFor({ timeout: TIMEOUT });
      assert.equal(await plus.isDisabled(), true, `+ Shell is disabled for ${who} in the workspace`);
      assert.match((await page.locator('#ws-reason-plus').textContent()).trim(), who === 'tina' ? /^Shell: assigned to tom/ : /^Shell: auditors/);
      assert.equal(await page.locator('[data-testid^="tab-shell-"]').count(), 0, `a shell opened for ${who}, who may not act`);
      await page.context().close();
    });
  }

  it('asks before ending a session; Cancel and Escape keep it', async () => {
    const tom = state.tom;
    const card = tom.locator('[data-testid="session"][data-state="connected"]');
    await card.getByRole('button', { name: 'End session' }).click();
    const dialog = tom.getByTestId('confirm-dialog');
    await dialog.waitFor({ timeout: TIMEOUT });
    assert.equal(
      (await dialog.getByTestId('confirm-message').textContent()).trim(),
      `End the session with ${await card.locator('dd').first().textContent()} on ticket #${state.ticket}? The shell and screen close now.`,
    );
    assert.equal(await tom.evaluate(() => document.activeElement?.dataset.testid), 'confirm-cancel', 'focus starts on Cancel');
    await tom.keyboard.press('Tab');
    await tom.keyboard.press('Tab');
    assert.equal(await tom.evaluate(() => document.activeElement?.dataset.testid), 'confirm-cancel', 'focus stays in the dialog');
    await screenshot(tom, 'controls-confirm-end');
    await dialog.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
    await card.getByRole('button', { name: 'End session' }).click();
    await dialog.waitFor({ timeout: TIMEOUT });
    await tom.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
    // Still connected, on the gateway too.
    const sessions = await tom.evaluate((t) => fetch(`/api/v1/tickets/${t}/sessions`).then((r) => r.json()), state.ticket);
    assert.deepEqual(sessions.map((s) => s.state), ['connected']);
    await card.getByRole('button', { name: 'End session' }).click();
    await dialog.getByTestId('confirm-ok').click();
    await tom.locator('[data-testid="session"][data-state="ended"]').waitFor({ state: 'attached', timeout: TIMEOUT });
  });

  it('asks before disabling a user', async () => {
    const admin = await (await newContext(browser, problems, expected)).newPage();
    await signIn(admin, gw.url, 'admin', ADMIN_PW);
    await admin.goto(`${gw.url}/users`);
    const tina = admin.getByRole('row').filter({ has: admin.getByRole('cell', { name: 'tina', exact: true }) });
    await tina.getByRole('button', { name: 'Disable' }).click();
    const dialog = admin.getByTestId('confirm-dialog');
    await dialog.getByText('Disable tina? They are signed out now').waitFor({ timeout: TIMEOUT });
    await dialog.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'detached', timeout: TIMEOUT });
    assert.equal(await tina.getByText('active', { exact: true }).count(), 1, 'Cancel keeps tina active');
    await tina.getByRole('button', { name: 'Disable' }).click();
    await screenshot(admin, 'controls-confirm-disable');
    await dialog.getByTestId('confirm-ok').click();
    await tina.getByText('disabled', { exact: true }).waitFor({ timeout: TIMEOUT });
    assert.deepEqual(problems, []);
  });
});
