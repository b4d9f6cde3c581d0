// Live presence as a technician sees it: with notifications turned on, a
// real client joins a ticket assigned to her; without a reload the "Live
// now" board gets its row, the Tickets list its badge, the page title its
// "(1) ", the nav link its badge, and a browser notification names the
// ticket. When the user leaves, all of it goes away, again without reload.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, chromiumPath, launch, newContext, repoRoot, screenshot, signIn, skipOrFail, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the presence browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;

describe('live presence in the console', { skip, timeout: 180000 }, () => {
  let gw;
  let browser;
  let client;
  const problems = [];

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
  });

  it('shows a joining user on the board, the list, the title, the nav and in a notification, and drops them when they leave', async () => {
    const ctx = await newContext(browser, problems, [['/api/v1/me', 401]]); // the sign-in check before signing in
    await ctx.grantPermissions(['notifications'], { origin: gw.url });
    // Record every Notification the page constructs.
    await ctx.addInitScript(() => {
      const N = window.Notification;
      if (!N) return;
      window.__notes = [];
      class Recorded extends N {
        constructor(title, opts) {
          window.__notes.push({ title, body: opts?.body ?? '' });
          super(title, opts);
          (window.__noteObjs ??= []).push(this);
        }
        static get permission() {
          return N.permission;
        }
        static requestPermission(cb) {
          return N.requestPermission(cb);
        }
      }
      window.Notification = Recorded;
    });
    const tina = await ctx.newPage();
    await tina.setViewportSize({ width: 1280, height: 800 });
    await signIn(tina, gw.url, 'tina', TINA_PW);
    const { ticket, join: joinString } = await ticketWithInvite(tina, 'VPN drops', ['shell', 'diagnostics']);

    await tina.getByTestId('nav-live').click();
    await tina.getByTestId('live-empty').waitFor({ timeout: TIMEOUT });
    assert.equal(await tina.getByTestId('notify-state').textContent(), 'Notifications off');
    await tina.getByTestId('notify-on').click();
    await tina.getByTestId('notify-state').filter({ hasText: 'Notifications on' }).waitFor({ timeout: TIMEOUT });
    assert.doesNotMatch(await tina.title(), /^\(\d+\) /, 'a count in the title before anyone joined');
    // Everything below must happen without a reload: a reload forgets this.
    await tina.evaluate(() => (window.__noReload = true));

    client = startClient(joinString, 'shell,diagnostics');
    const row = tina.locator(`[data-testid="live-row"][data-ticket="${ticket}"]`);
    try {
      await row.waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    await row.filter({ hasText: 'connected' }).filter({ hasText: 'shell' }).waitFor({ timeout: TIMEOUT });
    const text = await row.textContent();
    assert.match(text, new RegExp(`#${ticket} VPN drops`));
    assert.match(text, /you/);
    assert.ok(await row.getByRole('link', { name: 'Open workspace' }).getAttribute('href') === `/tickets/${ticket}/workspace`);
    await waitFor('the title to count the user', async () => (await tina.title()).startsWith('(1) '), TIMEOUT);
    assert.equal((await tina.getByTestId('nav-live-badge').textContent())?.trim(), '1');
    await waitFor('a notification', async () => (await tina.evaluate(() => window.__notes.length)) > 0, TIMEOUT);
    const notes = await tina.evaluate(() => window.__notes);
    assert.equal(notes.length, 1, `notifications: ${JSON.stringify(notes)}`);
    assert.match(notes[0].title, new RegExp(` joined ticket #${ticket}: VPN drops$`));
    const shot = await screenshot(tina, 'live-board');
    // docs/images is refreshed on request only: a test run leaves tracked files alone.
    if (process.env.TETHER_DOC_SHOTS === '1') copyFileSync(shot, join(repoRoot, 'docs/images/live-board.png'));
    await tina.setViewportSize({ width: 400, height: 800 });
    await screenshot(tina, 'live-board-narrow');
    await tina.setViewportSize({ width: 1280, height: 800 });

    // The Tickets list badges the ticket.
    await tina.getByRole('link', { name: 'Tickets', exact: true }).click();
    const ticketRow = tina.getByRole('row').filter({ has: tina.getByRole('link', { name: 'VPN drops' }) });
    await ticketRow.getByTestId('ticket-live-badge').filter({ hasText: 'User connected' }).waitFor({ timeout: TIMEOUT });
    await screenshot(tina, 'tickets-live-badge');

    // The user leaves: the row, the badges and the count go.
    await tina.getByTestId('nav-live').click();
    await row.waitFor({ timeout: TIMEOUT });
    await client.stop('SIGINT');
    client = null;
    await row.waitFor({ state: 'detached', timeout: TIMEOUT });
    await tina.getByTestId('live-empty').waitFor({ timeout: TIMEOUT });
    await waitFor('the title to drop the count', async () => !/^\(\d+\) /.test(await tina.title()), TIMEOUT);
    assert.equal(await tina.getByTestId('nav-live-badge').count(), 0);
    await tina.getByRole('link', { name: 'Tickets', exact: true }).click();
    await ticketRow.waitFor({ timeout: TIMEOUT });
    assert.equal(await ticketRow.getByTestId('ticket-live-badge').count(), 0, 'the ticket still shows a live badge');
    assert.equal(await tina.evaluate(() => window.__noReload), true, 'the page reloaded');
    assert.equal((await tina.evaluate(() => window.__notes)).length, 1, 'a second notification');
    // Clicking the notification opens the ticket's workspace.
    await tina.evaluate(() => window.__noteObjs[0].onclick(new Event('click')));
    await waitFor('the workspace to open', async () => new URL(tina.url()).pathname === `/tickets/${ticket}/workspace`, TIMEOUT);
    assert.deepEqual(problems, []);
  });
});
