// Browser test of the audit page against the real gateway and client: a
// shell session (so there is a recording), then the page reads in words
// with links to the ticket and the recording, filters by action group and
// by user, pages with "Older", exports a CSV whose rows are the ones shown,
// and a replay opened shows up as recording.view.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addUser, binDir, launch, newContext, screenshot, signIn, skipOrFail, skipReason, startClient, startGateway, ticketWithInvite, waitFor,
} from './harness.mjs';

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;

/** parseCSV reads the export (RFC 4180: quoted cells may hold commas, quotes and newlines). */
function parseCSV(text) {
  const rows = [];
  let row = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else if (c !== '\r') cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('audit page in words', { skip: skipOrFail('the audit page browser test', skipReason()), timeout: 180000 }, () => {
  let gw, browser, page, client, ticket, recordingId;
  const problems = [];

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    browser = await launch();
    const ctx = await newContext(browser, problems, [['/api/v1/me', 401]]);
    page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('pageerror', e.message));
  });

  after(async () => {
    await client?.stop();
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  const rows = () => page.getByTestId('audit-entry');
  const rowsOf = (action) => page.locator(`[data-testid="audit-entry"][data-action="${action}"]`);
  const actionsShown = async () => rows().evaluateAll((els) => els.map((e) => e.dataset.action));
  const seqsShown = async () => rows().evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));

  it('sets up a shell session with a recording, and tina signs in', async () => {
    await signIn(page, gw.url, 'admin', ADMIN_PW);
    ({ ticket } = await ticketWithInvite(page, 'Printer offline', ['shell']).then((r) => {
      client = startClient(r.join, 'shell');
      return r;
    }));
    await page.goto(`${gw.url}/tickets/${ticket}`);
    try {
      await page.locator('[data-testid="session"][data-state="connected"]').waitFor({ timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`${e.message}\n--- client ---\n${client.tail()}`);
    }
    await page.getByRole('link', { name: 'Open shell' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await page.locator('.xterm').click();
    await page.keyboard.type('echo audited\nexit\n', { delay: 10 });
    await page.getByRole('alert').filter({ hasText: 'The shell has ended' }).waitFor({ timeout: TIMEOUT });
    await page.goto(`${gw.url}/tickets/${ticket}`);
    const rec = page.getByTestId('recording').first();
    await waitFor('a sealed recording', async () => /sealed/.test((await rec.textContent()) ?? ''), TIMEOUT);
    // Tina's sign-in and tickets, through the API: entries by another user.
    const other = (await newContext(browser, [])).request; // its own cookies: the page stays admin's
    const login = await other.post(gw.url + '/api/v1/login', { data: { username: 'tina', password: TINA_PW } });
    assert.equal(login.status(), 200, `tina login: ${await login.text()}`);
    const { token } = await login.json();
    for (let i = 0; i < 3; i++) {
      const r = await other.post(gw.url + '/api/v1/tickets', { headers: { Authorization: `Bearer ${token}` }, data: { title: `tina ${i}`, description: 'x' } });
      assert.equal(r.status(), 201);
    }
  });

  it('shows entries in words, newest first, with links to the ticket and the recording', async () => {
    await page.goto(`${gw.url}/audit`);
    await page.getByTestId('audit-table').waitFor({ timeout: TIMEOUT });
    const seqs = await seqsShown();
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), 'newest first');
    const shell = rowsOf('shell.open');
    const text = ((await shell.first().locator('.what').textContent()) ?? '').replace(/\s+/g, ' ').trim();
    assert.match(text, new RegExp(`^admin opened a shell on ticket #${ticket} \\(session s_\\S+\\) · recording r_\\S+ shell\\.open$`), text);
    const created = ((await rowsOf('ticket.create').first().locator('.what').textContent()) ?? '').replace(/\s+/g, ' ');
    assert.match(created, /^\s*tina created ticket #\d+ ticket\.create\s*$/);
    // The raw JSON is one click away.
    await shell.first().getByText('Details').click();
    assert.match((await shell.first().locator('pre').textContent()) ?? '', /"recording_id": "r_/);
    await screenshot(page, 'audit-page');

    await shell.first().getByTestId('ticket-link').click();
    await page.getByRole('heading', { name: 'Printer offline' }).waitFor({ timeout: TIMEOUT });
    await page.goBack();
    const link = rowsOf('shell.open').first().getByTestId('recording-link');
    recordingId = decodeURIComponent((await link.getAttribute('href')).split('/')[2]);
    await link.click();
    await page.getByRole('link', { name: 'Download .cast' }).waitFor({ timeout: TIMEOUT });
    assert.equal(new URL(page.url()).pathname, `/recordings/${encodeURIComponent(recordingId)}`);
  });

  it('shows the replay just opened as recording.view', async () => {
    await page.goto(`${gw.url}/audit`);
    await page.getByTestId('action-picker').selectOption('recording.view');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor('the recording views', async () => (await actionsShown()).length >= 2 && (await actionsShown()).every((a) => a === 'recording.view'), TIMEOUT);
    const texts = (await rows().locator('.what').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.ok(texts.some((t) => t.startsWith(`admin opened a recording on ticket #${ticket}`) && t.includes('recording r_')), texts.join('\n'));
    assert.ok(texts.some((t) => t.startsWith('admin played a recording')), texts.join('\n'));
  });

  it('filters by action group and by user', async () => {
    await page.getByTestId('action-picker').selectOption('shell.');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor('only shell entries', async () => {
      const a = await actionsShown();
      return a.includes('shell.open') && a.includes('shell.close') && a.every((x) => x.startsWith('shell.'));
    }, TIMEOUT);
    await page.getByTestId('action-picker').selectOption('');
    await page.locator('input[name="actor"]').fill('tina');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor('only tina', async () => {
      const t = await rows().locator('.what strong').allTextContents();
      return t.length === 4 && t.every((x) => x === 'tina'); // login.ok + 3 ticket.create
    }, TIMEOUT);
  });

  it('exports a CSV whose rows are the ones shown', async () => {
    const shown = await seqsShown();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const csv = parseCSV(readFileSync(await download.path(), 'utf8'));
    assert.deepEqual(csv[0], ['seq', 'time', 'actor', 'action', 'ticket_id', 'session_id', 'remote_addr', 'details', 'prev_hash', 'hash']);
    assert.deepEqual(csv.slice(1).map((r) => Number(r[0])), shown);
    assert.ok(csv.slice(1).every((r) => r[2] === 'tina'));
    // The export is itself audited.
    await page.locator('input[name="actor"]').fill('admin');
    await page.getByTestId('action-picker').selectOption('audit.export');
    await page.getByRole('button', { name: 'Apply' }).click();
    await waitFor('the audit.export entry', async () => (await actionsShown()).includes('audit.export'), TIMEOUT);
  });

  it('pages with Older', async () => {
    await page.goto(`${gw.url}/audit?limit=5`);
    await page.getByTestId('audit-table').waitFor({ timeout: TIMEOUT });
    const first = await seqsShown();
    assert.equal(first.length, 5);
    await page.getByRole('button', { name: 'Older' }).click();
    await waitFor('the second page', async () => (await seqsShown()).length === 10, TIMEOUT);
    const both = await seqsShown();
    assert.deepEqual(both.slice(0, 5), first);
    assert.deepEqual(both, [...both].sort((a, b) => b - a));
    assert.equal(new Set(both).size, 10);
    assert.deepEqual(problems, []);
  });
});
