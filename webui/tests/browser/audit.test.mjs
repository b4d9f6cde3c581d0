// Browser test of the audit page's chain status against the real gateway:
// the page says the hash chain is intact, then, after one audit row is
// edited in the SQLite database behind the gateway's back (with the sqlite3
// CLI, as an attacker with file access would), it says the chain is broken
// at that entry. No failed load is allowed but the sign-in check's 401: a
// missing verify endpoint (404) fails the test instead of showing
// "not available".

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, chromiumPath, launch, newContext, screenshot, skipOrFail, startGateway } from './harness.mjs';

const sqlite3 = ['/usr/bin/sqlite3', '/usr/local/bin/sqlite3'].find(existsSync);
const skip = skipOrFail('the audit page browser test',
  !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
    : !sqlite3 ? 'the sqlite3 CLI is missing (apt-get install -y sqlite3)' : '');

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TITLE = `Audit me ${randomBytes(4).toString('hex')}`;
const TIMEOUT = 30000;

describe('audit page', { skip, timeout: 120000 }, () => {
  let gw, browser, page;
  const problems = [];

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    browser = await launch();
    const ctx = await newContext(browser, problems, [['/api/v1/me', 401]]);
    page = await ctx.newPage();
  });

  after(async () => {
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  /** sql runs one statement on the gateway's database and returns its output. */
  const sql = (stmt) => execFileSync(sqlite3, ['-cmd', '.timeout 10000', join(gw.dataDir, 'tether.db'), stmt],
    { encoding: 'utf8', timeout: 20000 }).trim();

  const status = () => page.getByTestId('chain-status');

  it('shows the chain intact', async () => {
    await page.goto(gw.url + '/audit');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor({ timeout: TIMEOUT });
    // An entry worth tampering with: a ticket, created through the API with the admin's token.
    const login = await page.request.post(gw.url + '/api/v1/login', { data: { username: 'admin', password: ADMIN_PW } });
    assert.equal(login.status(), 200, `login: ${await login.text()}`);
    const { token } = await login.json();
    const tk = await page.request.post(gw.url + '/api/v1/tickets', {
      headers: { Authorization: `Bearer ${token}` }, data: { title: TITLE, description: 'audited' },
    });
    assert.equal(tk.status(), 201, `create ticket: ${await tk.text()}`);

    await page.getByRole('button', { name: 'Check again' }).click();
    await status().filter({ hasText: 'Hash chain intact' }).waitFor({ timeout: TIMEOUT });
    const text = (await status().textContent()).replace(/\s+/g, ' ');
    assert.match(text, /Hash chain intact ✓ \d+ entries checked/);
    assert.doesNotMatch(text, /broken|not available/);
    await screenshot(page, 'audit-intact');
  });

  it('shows the chain broken at the entry edited in the database', async () => {
    const seq = sql(`SELECT seq FROM audit WHERE action = 'ticket.create' AND json_extract(details, '$.title') = '${TITLE}'`);
    assert.match(seq, /^\d+$/, `no ticket.create entry for ${TITLE} in the audit table`);
    sql(`UPDATE audit SET details = json_set(details, '$.title', 'Nothing happened here') WHERE seq = ${seq}`);
    assert.equal(sql(`SELECT json_extract(details, '$.title') FROM audit WHERE seq = ${seq}`), 'Nothing happened here');

    await page.getByRole('button', { name: 'Check again' }).click();
    await status().filter({ hasText: 'Hash chain broken' }).waitFor({ timeout: TIMEOUT });
    let text = (await status().textContent()).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Hash chain broken ✗ at entry ${seq}: entry ${seq} was altered`));
    assert.doesNotMatch(text, /intact/);
    await screenshot(page, 'audit-broken');

    // A fresh load of the page says the same: nothing was cached.
    await page.reload();
    await status().filter({ hasText: 'Hash chain broken' }).waitFor({ timeout: TIMEOUT });
    text = (await status().textContent()).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`at entry ${seq}\\b`));
    assert.deepEqual(problems, []);
  });
});
