// Continuous authorization as people see it: a technician works in a shell;
// an admin presses "Sign out everywhere" on the Users page; the technician's
// console drops to the sign-in page and says why, and the shell is gone.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, chromiumPath, launch, newContext, screenshot, signIn, skipOrFail, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the lifetime browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const MARK = `LIFE${randomBytes(3).toString('hex')}`;
const TIMEOUT = 30000;

describe('continuous authorization in the console', { skip, timeout: 180000 }, () => {
  let gw;
  let browser;
  let client;
  const problems = [];
  // The sign-in check before signing in; everything tina's page asks after
  // it was signed out.
  const expected = [['/api/v1/me', 401], ['/api/v1/events', 401], ['/api/v1/downloads', 404], ['/api/v1/', 401]];

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

  it('ends a technician\'s shell and console when an admin signs them out everywhere', async () => {
    const tina = await (await newContext(browser, problems, expected)).newPage();
    await signIn(tina, gw.url, 'tina', TINA_PW);
    // Set up through the API as tina's page would (same origin, her cookie).
    const { ticket, join: joinString } = await ticketWithInvite(tina, 'VPN drops', ['shell']);
    client = startClient(joinString, 'shell');
    await tina.goto(`${gw.url}/tickets/${ticket}`);
    const card = tina.locator('[data-testid="session"][data-state="connected"]');
    try {
      await card.waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    await tina.getByRole('link', { name: 'Open shell' }).click();
    await tina.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await tina.locator('.xterm').click();
    await tina.keyboard.type(`echo ${MARK}-$((6*7))\n`, { delay: 10 });
    const rows = tina.locator('.xterm-rows');
    await waitFor('the marker in the terminal', async () => ((await rows.textContent()) ?? '').includes(`${MARK}-42`), TIMEOUT);

    const admin = await (await newContext(browser, problems, expected)).newPage();
    await signIn(admin, gw.url, 'admin', ADMIN_PW);
    await admin.getByRole('link', { name: 'Users' }).click();
    const row = admin.getByRole('row').filter({ hasText: 'tina' });
    await row.getByRole('button', { name: 'Sign out everywhere' }).click();
    await admin.getByTestId('confirm-ok').click();
    await row.getByRole('status').filter({ hasText: 'Signed out everywhere' }).waitFor({ timeout: TIMEOUT });
    await screenshot(admin, 'users-signed-out-everywhere');

    // tina's console says what happened, in words, and offers sign-in.
    await tina.getByRole('status').filter({ hasText: 'You were signed out' }).waitFor({ timeout: TIMEOUT });
    await tina.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await tina.locator('.xterm').count(), 0, 'the terminal is still on screen');
    await screenshot(tina, 'signed-out-notice');
    // The user's side saw the shell close, and why.
    await waitFor('the client to report the shell closed', () => /The shell closed: .* no longer has the right to it/.test(client.out), TIMEOUT);
    assert.deepEqual(problems, []);
  });
});
