// Real reasons as a technician sees them: the user types `revoke shell` on
// the client's terminal while the technician works in a shell. The shell
// page says "the user revoked shell" (not "interrupted: the client went
// away"), and Reconnect asks the gateway's preflight and says the user has
// not granted shell, instead of guessing. The user's side says why too.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  binDir, chromiumPath, launch, newContext, screenshot, signIn, skipOrFail, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the reasons browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const MARK = `WHY${randomBytes(3).toString('hex')}`;
const TIMEOUT = 30000;

describe('why a shell ended, in the console', { skip, timeout: 180000 }, () => {
  let gw;
  let browser;
  let client;
  const problems = [];
  // The refused preflight after the revoke is a 403 on purpose.
  const expected = [['/api/v1/me', 401], ['/shell', 403]]; // the sign-in check, and the refused preflight

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
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

  it('says the user revoked shell, and Reconnect says shell is not granted', async () => {
    const page = await (await newContext(browser, problems, expected)).newPage();
    await signIn(page, gw.url, 'admin', ADMIN_PW);
    const { ticket, join: joinString } = await ticketWithInvite(page, 'Why did it close', ['shell', 'diagnostics']);
    client = startClient(joinString, 'shell,diagnostics');
    await page.goto(`${gw.url}/tickets/${ticket}`);
    try {
      await page.locator('[data-testid="session"][data-state="connected"]').waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n${client.tail()}`);
    }
    await page.getByRole('link', { name: 'Open shell' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await page.locator('.xterm').click();
    await page.keyboard.type(`echo ${MARK}-$((6*7))\n`, { delay: 10 });
    const rows = page.locator('.xterm-rows');
    await waitFor('the marker in the terminal', async () => ((await rows.textContent()) ?? '').includes(`${MARK}-42`), TIMEOUT);

    // The user revokes shell on the client's terminal.
    client.child.stdin.write('revoke shell\n');
    const end = page.getByTestId('shell-end-message');
    await end.waitFor({ timeout: TIMEOUT });
    await waitFor('the real reason on the shell page', async () => /the user revoked shell/.test((await end.textContent()) ?? ''), TIMEOUT);
    const text = (await end.textContent()) ?? '';
    assert.doesNotMatch(text, /interrupted|went away|connection/i, `the end notice blames the link: ${text}`);
    await screenshot(page, 'shell-ended-user-revoked');

    // Reconnect asks the preflight and names the refusal.
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await waitFor('the refusal after Reconnect', async () => /Could not open the shell: the user has not granted shell, or revoked it\./.test((await end.textContent()) ?? ''), TIMEOUT);
    assert.doesNotMatch((await end.textContent()) ?? '', /may have ended/);
    await screenshot(page, 'shell-reconnect-not-granted');

    // The user's side said why too.
    await waitFor('the client to say the shell closed because of the revoke', () => /The shell closed: you revoked shell\./.test(client.out), TIMEOUT);
    assert.deepEqual(problems, []);

    // The screen view, never granted, says so instead of guessing (its own context: the refused
    // WebSocket and preflight log console errors on purpose).
    const sid = new URL(page.url()).pathname.split('/')[2];
    const screenPage = await (await newContext(browser, [], [])).newPage();
    await signIn(screenPage, gw.url, 'admin', ADMIN_PW);
    await screenPage.goto(`${gw.url}/sessions/${sid}/screen`);
    const alert = screenPage.getByRole('alert').filter({ hasText: 'Could not open the screen view' });
    await alert.waitFor({ timeout: TIMEOUT });
    assert.match((await alert.textContent()) ?? '', /Could not open the screen view: the user has not granted screen\./);
    assert.doesNotMatch((await alert.textContent()) ?? '', /\?/, 'the screen refusal still guesses');
    await screenshot(screenPage, 'screen-not-granted');
    await screenPage.context().close();
  });
});
