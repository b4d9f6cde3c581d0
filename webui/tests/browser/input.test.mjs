// Input recording as people see it: a technician types a command, then a
// "password" at a prompt that hides it; the replay page shows the command
// and lists the hidden input as a length marker, never its characters.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  binDir, chromiumPath, launch, newContext, screenshot, signIn, skipOrFail, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the input recording browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const SECRET = `pw${randomBytes(4).toString('hex')}`; // 10 characters
const MARK = `IN${randomBytes(3).toString('hex')}`;
const TIMEOUT = 30000;

describe('input recording in the replay', { skip, timeout: 180000 }, () => {
  let gw;
  let browser;
  let client;
  const problems = [];
  const expected = [['/api/v1/me', 401], ['/api/v1/downloads', 404]];

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

  it('shows what was typed and lists hidden input by its length only', async () => {
    const page = await (await newContext(browser, problems, expected)).newPage();
    await signIn(page, gw.url, 'admin', ADMIN_PW);
    const { ticket, join: joinString } = await ticketWithInvite(page, 'Password prompt', ['shell']);
    client = startClient(joinString, 'shell');
    await page.goto(`${gw.url}/tickets/${ticket}`);
    await page.locator('[data-testid="session"][data-state="connected"]').waitFor({ timeout: TIMEOUT });
    await page.getByRole('link', { name: 'Open shell' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await page.locator('.xterm').click();
    const rows = page.locator('.xterm-rows');
    await page.keyboard.type(`echo ${MARK}-$((6*7))\n`, { delay: 10 });
    await waitFor('the command output', async () => ((await rows.textContent()) ?? '').includes(`${MARK}-42`), TIMEOUT);
    // A prompt that hides what is typed, as sudo's or ssh's does.
    await page.keyboard.type('stty -echo; printf "Password: "; read pw; stty echo; echo; echo "got ${#pw}"\n', { delay: 5 });
    await waitFor('the password prompt', async () => ((await rows.textContent()) ?? '').includes('Password:'), TIMEOUT);
    await page.keyboard.type(`${SECRET}\n`, { delay: 20 });
    await waitFor('the length echo', async () => ((await rows.textContent()) ?? '').includes(`got ${SECRET.length}`), TIMEOUT);
    await page.keyboard.type('exit\n', { delay: 10 });
    // The page says why the shell ended, in words, and offers the replay.
    const ended = page.getByRole('alert').filter({ hasText: 'The shell has ended: the shell exited on the user' });
    await ended.waitFor({ timeout: TIMEOUT });
    await ended.getByRole('link', { name: 'Replay the recording' }).waitFor();
    await screenshot(page, 'shell-ended');

    await page.goto(`${gw.url}/tickets/${ticket}`);
    const rec = page.getByTestId('recording').first();
    await waitFor('a sealed recording', async () => /sealed/.test((await rec.textContent()) ?? ''), TIMEOUT);
    await rec.getByRole('link', { name: 'Replay' }).click();
    const list = page.getByTestId('hidden-input');
    await list.waitFor({ timeout: TIMEOUT });
    const text = (await list.textContent()) ?? '';
    assert.match(text, new RegExp(`input hidden \\(echo off\\): ${SECRET.length + 1} bytes`), `hidden-input list: ${text}`);
    assert.ok(!text.includes(SECRET), 'the secret is shown on the replay page');
    await screenshot(page, 'replay-hidden-input');

    // The file itself: the command typed is there, the secret is not.
    const cast = await page.evaluate(async (id) => (await fetch(`/api/v1/recordings/${id}`)).text(),
      decodeURIComponent(new URL(page.url()).pathname.split('/')[2]));
    assert.ok(cast.includes(`"i", "echo ${MARK}`) || cast.includes(`"i","echo ${MARK}`) || /"i",\s*"e"/.test(cast), 'no input events in the recording');
    assert.ok(!cast.includes(SECRET), 'the secret is in the recording');
    assert.deepEqual(problems, []);
  });
});
