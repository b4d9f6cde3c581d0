// File transfers (scope files), end to end as both people see them: the
// real gateway, the real tether-client in its consent window (join
// --window, $BROWSER a script that records the link), the technician's
// workspace in one browser context and the user's window in another.
// The technician collects a file into the ticket (listed with the right
// SHA-256, downloadable, audited), sends one into the user's Downloads (a
// temporary XDG_DOWNLOAD_DIR, same SHA-256), and the user refuses one.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addUser, artifactsDir, binDir, ensureArtifacts, fakeBrowser, launch, newContext, repoRoot, signIn, skipOrFail, skipReason,
  startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the files browser test', skipReason());
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const AUDREY_PW = `audrey-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;
const sha = (b) => createHash('sha256').update(b).digest('hex');

async function shot(page, name, doc) {
  ensureArtifacts();
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (doc && process.env.TETHER_DOC_SHOTS === '1') copyFileSync(path, join(repoRoot, 'docs/images', doc));
}

describe('file transfers', { skip, timeout: 180000 }, () => {
  let gw, browser, tech, user, auditor, client, dir;
  let out = '';
  const problems = [];

  before(async () => {
    gw = await startGateway();
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    await addUser(gw.dataDir, 'audrey', 'auditor', AUDREY_PW);
    browser = await launch();
    dir = mkdtempSync(join(tmpdir(), 'tether-files-'));
  });

  after(async () => {
    if (client && client.exitCode === null) {
      client.kill('SIGINT');
      await new Promise((res) => client.once('exit', res));
    }
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail(), '\nclient:\n', out);
      await gw.stop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('collects a file, sends a file, and the user refuses one', async () => {
    // A refused transfer answers 403: the console shows it as text, not as a problem.
    tech = await (await newContext(browser, problems, [['/api/v1/me', 401], ['/files/collect', 403]])).newPage();
    await signIn(tech, gw.url, 'tina', TINA_PW);
    const inv = await ticketWithInvite(tech, 'Crash on start', ['files']);

    const downloads = join(dir, 'Downloads');
    const desktop = fakeBrowser(dir);
    client = spawn(join(binDir, 'tether-client'), ['join', '--window', inv.join], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BROWSER: desktop.script, XDG_DOWNLOAD_DIR: downloads, SHELL: '/bin/sh' } });
    client.stdout.on('data', (d) => (out += d));
    client.stderr.on('data', (d) => (out += d));
    const link = await desktop.link(() => client.exitCode === null);

    user = await (await newContext(browser, problems)).newPage();
    await user.goto(link);
    await user.getByTestId('consent-form').waitFor({ timeout: TIMEOUT });
    await user.locator('input[name="scope"][value="files"]').check();
    await user.getByTestId('allow').click();
    await user.getByTestId('status').filter({ hasText: 'tina is connected' }).waitFor({ timeout: TIMEOUT });

    await tech.goto(`${gw.url}/tickets/${inv.ticket}/workspace`);
    const tab = tech.getByTestId('tab-files');
    await tab.waitFor({ timeout: TIMEOUT });
    await tab.click();
    const panel = tech.getByTestId('files-panel');
    await panel.getByTestId('collect-path').waitFor({ timeout: TIMEOUT });

    // Collect: the user sees the path and size in the window and allows it.
    const log = Buffer.from('ERROR crash at 0xdeadbeef\n'.repeat(40000)); // about 1 MB
    const logPath = join(dir, 'app.log');
    writeFileSync(logPath, log);
    await panel.getByTestId('collect-path').fill(logPath);
    const t0 = Date.now();
    await panel.getByTestId('collect-submit').click();
    const dialog = user.getByTestId('file-dialog');
    await dialog.waitFor({ state: 'visible', timeout: TIMEOUT });
    const question = await dialog.textContent();
    assert.match(question, /A file transfer/);
    assert.ok(question.includes(`tina wants to collect ${logPath} (1015.6 kB) into ticket #${inv.ticket}.`), question);
    await shot(user, 'files-consent', 'files-consent.png');
    await user.getByTestId('file-allow').click();
    const row = panel.locator(`[data-testid="file-row"][data-sha256="${sha(log)}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    console.log(`collect of ${log.length} bytes: listed after ${Date.now() - t0} ms (including the user's click)`);
    assert.match(await row.textContent(), /app\.log.*collected/s);
    // Downloadable, with the same hash.
    const href = await row.getByTestId('file-download').getAttribute('href');
    const got = await tech.evaluate(async (u) => {
      const r = await fetch(u);
      const h = await crypto.subtle.digest('SHA-256', await r.arrayBuffer());
      return { status: r.status, header: r.headers.get('X-Tether-SHA256'), sum: [...new Uint8Array(h)].map((b) => b.toString(16).padStart(2, '0')).join('') };
    }, href);
    assert.deepEqual(got, { status: 200, header: sha(log), sum: sha(log) });
    // The user's window shows how it went.
    await user.getByTestId('transfer').filter({ hasText: 'Sent app.log' }).waitFor({ timeout: TIMEOUT });

    // Send: the technician picks a file; the user accepts; it lands in Downloads.
    const report = Buffer.from(randomBytes(300000));
    await panel.getByTestId('send-file').setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: report });
    await panel.getByTestId('send-submit').click();
    await dialog.filter({ hasText: 'tina wants to send you report.pdf (293.0 kB)' }).waitFor({ state: 'visible', timeout: TIMEOUT });
    await user.getByTestId('file-allow').click();
    const saved = join(downloads, 'report.pdf');
    await waitFor('report.pdf in Downloads', () => existsSync(saved), TIMEOUT);
    assert.equal(sha(readFileSync(saved)), sha(report));
    await panel.locator(`[data-testid="file-row"][data-sha256="${sha(report)}"]`).waitFor({ timeout: TIMEOUT });
    assert.match(await panel.locator(`[data-testid="file-row"][data-sha256="${sha(report)}"]`).textContent(), /saved as .*report\.pdf/);

    // Refused: the technician reads why; nothing is added to the ticket.
    await panel.getByTestId('collect-path').fill(logPath);
    await panel.getByTestId('collect-submit').click();
    await dialog.waitFor({ state: 'visible', timeout: TIMEOUT });
    await user.getByTestId('file-deny').click();
    await panel.getByTestId('files-error').filter({ hasText: 'The user refused the transfer.' }).waitFor({ timeout: TIMEOUT });
    assert.equal(await panel.getByTestId('file-row').count(), 2, 'a refused collect lists nothing');
    await shot(tech, 'files-panel', 'files-panel.png');

    // Audited: requested, completed, refused, downloaded.
    auditor = await (await newContext(browser, problems, [['/api/v1/me', 401]])).newPage();
    await signIn(auditor, gw.url, 'audrey', AUDREY_PW);
    const actions = await auditor.evaluate(async (t) => {
      const es = await fetch(`/api/v1/audit?ticket=${t}`).then((r) => r.json());
      return es.map((e) => e.action).filter((a) => a.startsWith('file.'));
    }, inv.ticket);
    assert.deepEqual(actions, ['file.request', 'file.complete', 'file.download', 'file.request', 'file.complete', 'file.request', 'file.refuse']);
    assert.deepEqual(problems, []);
  });
});
