// The end user's journey with both sides in one Chromium (issue 13).
//
// A technician, signed in to the console, invites. The user opens the link
// in their own browser context, downloads the client with the page's one
// button into ~/Downloads and runs the page's own instructions, as written,
// in a shell with no terminal (bash -c, stdin /dev/null). The client opens
// its consent window through $BROWSER, as a desktop would (here a script
// that writes the link to a file; the test opens it in the user's context).
// The user allows two of three permissions; the technician sees exactly
// those; they chat both ways (console chat panel ↔ window); the technician
// asks for the third from the console, the user grants it in the window,
// then revokes one; the user ends and rates. The ticket shows the
// transcript (sealed and verified), the rating and how consent was given.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addUser, artifactsDir, buildBakedClient, chromiumPath, ensureArtifacts, fakeBrowser, launch, newContext, signIn, skipOrFail, startGateway,
  startXvfb, ticketWithInvite, waitFor,
} from './harness.mjs';

const xvfb = ['/usr/bin/Xvfb', '/usr/local/bin/Xvfb'].find(existsSync);
const skip = skipOrFail('the end-user journey browser test',
  !existsSync(chromiumPath) ? `${chromiumPath} is missing (apt-get install -y chromium)`
    : !xvfb ? 'Xvfb is missing (apt-get install -y xvfb)' : '');

const TINA_PW = `tina-${randomBytes(9).toString('base64url')}`;
const MARK = randomBytes(3).toString('hex');
const TIMEOUT = 30000;

async function shot(page, name) {
  ensureArtifacts();
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

describe('the end user\'s journey, both sides at once', { skip, timeout: 300000 }, () => {
  let gw, browser, x, home, client;
  let clientOut = '';
  const problems = [];

  before(async () => {
    x = await startXvfb(241, 280); // window.test.mjs uses :201-:240, screen.test.mjs :161-:200
    home = mkdtempSync(join(tmpdir(), 'tether-journey-'));
    const dist = join(home, 'dist');
    gw = await startGateway(undefined, ['--downloads', dist]);
    await addUser(gw.dataDir, 'tina', 'technician', TINA_PW);
    // The host's client as `make run` builds it: baked with this gateway's address and pin.
    mkdirSync(dist);
    await buildBakedClient(join(dist, 'tether-client-linux-amd64'), new URL(gw.url).host, gw.fingerprint);
    browser = await launch();
  });

  after(async () => {
    if (client && client.exitCode === null) {
      client.kill('SIGINT');
      await new Promise((res) => client.once('exit', res));
    }
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail(), '\nclient:\n', clientOut);
      await gw.stop();
    }
    x?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('goes from the link to a rating, the technician in the console and the user in the window', async () => {
    let tech, user;
    try {
      await journey();
    } catch (e) {
      for (const [who, p] of [['technician', tech], ['user', user]]) {
        if (p) console.error(`--- ${who}'s page when it failed:\n${await p.locator('body').innerText().catch((err) => err.message)}`);
      }
      throw e;
    }

    async function journey() {
    // The technician invites.
    tech = await (await newContext(browser, problems, [['/api/v1/me', 401]])).newPage();
    await signIn(tech, gw.url, 'tina', TINA_PW);
    const inv = await ticketWithInvite(tech, `Printer vanished ${MARK}`, ['diagnostics', 'shell', 'screen']);
    const [, code, pin] = /^tether1:[^/]+\/([A-Z0-9-]+)#sha256=([A-Za-z0-9_-]+)$/.exec(inv.join);
    await tech.goto(`${gw.url}/tickets/${inv.ticket}`);

    // The user opens the link and downloads with the one button.
    const uctx = await newContext(browser, problems);
    user = await uctx.newPage();
    await user.goto(`${gw.url}/j/${code}#sha256=${pin}`);
    await user.locator('[data-testid="join-state"][data-state="valid"]').waitFor({ timeout: TIMEOUT });
    assert.ok(!(await user.content()).includes('--accept'), 'the join page puts --accept in a command');
    const downloads = join(home, 'Downloads');
    mkdirSync(downloads);
    const [dl] = await Promise.all([user.waitForEvent('download'), user.getByTestId('download-primary').click()]);
    await dl.saveAs(join(downloads, dl.suggestedFilename()));
    const steps = (await user.getByTestId('step-command').allTextContents()).map((s) => s.trim());
    assert.ok(steps.length >= 2, `steps: ${JSON.stringify(steps)}`);
    assert.ok(steps.some((s) => s.includes(dl.suggestedFilename())), `the steps name the downloaded file: ${JSON.stringify(steps)}`);

    // Run the page's steps, as written, in a shell; no terminal, no arguments added.
    const desktop = fakeBrowser(home);
    client = spawn('bash', ['-c', steps.join('\n')], {
      cwd: home, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: home, BROWSER: desktop.script, DISPLAY: x.display, SHELL: '/bin/sh' },
    });
    client.stdout.on('data', (d) => (clientOut += d));
    client.stderr.on('data', (d) => (clientOut += d));
    const link = await desktop.link(() => client.exitCode === null).catch((e) => { throw new Error(`${e.message}\n${clientOut}`); });

    // The consent window: allow two of three.
    await user.goto(link);
    await user.getByTestId('consent-form').waitFor({ timeout: TIMEOUT });
    assert.equal(await user.getByTestId('technician').textContent(), 'tina');
    await user.locator('input[name="scope"][value="diagnostics"]').check();
    await user.locator('input[name="scope"][value="shell"]').check();
    await user.getByTestId('allow').click();
    await user.getByTestId('status').filter({ hasText: 'tina is connected' }).waitFor({ timeout: TIMEOUT });

    // The technician sees exactly those.
    const card = tech.locator('[data-testid="session"][data-state="connected"]');
    await card.waitFor({ timeout: TIMEOUT });
    await waitFor('the granted list on the card', async () => /^\s*diagnostics\s+shell\s*$/.test(await card.getByTestId('granted').textContent()), TIMEOUT);

    // Chat both ways, beside the shell.
    await card.getByRole('link', { name: 'Open shell' }).click();
    await tech.getByTestId('chat-panel').waitFor({ timeout: TIMEOUT });
    await tech.getByTestId('chat-input').fill(`Hello, I am looking at it ${MARK}`);
    await tech.getByTestId('chat-send').click();
    await tech.locator('[data-testid="chat-messages"] li[data-sender="technician"]').filter({ hasText: `Hello, I am looking at it ${MARK}` }).waitFor({ timeout: TIMEOUT });
    await user.locator('[data-testid="chat-messages"] li[data-sender="technician"]').filter({ hasText: `Hello, I am looking at it ${MARK}` }).waitFor({ timeout: TIMEOUT });
    await user.getByTestId('chat-input').fill(`It vanished after the update ${MARK}`);
    await user.getByTestId('chat-send').click();
    await tech.locator('[data-testid="chat-messages"] li[data-sender="user"]').filter({ hasText: `It vanished after the update ${MARK}` }).waitFor({ timeout: TIMEOUT });
    await shot(tech, 'journey-console-chat');
    await shot(user, 'journey-window-chat');

    // The technician asks for the third; the user grants it in the window.
    await tech.getByTestId('ask-button').click();
    await tech.locator('input[name="ask-scope"][value="screen"]').check();
    await tech.locator('textarea[name="ask-reason"]').fill('I need to see the print dialog.');
    await tech.getByTestId('ask-submit').click();
    const dialog = user.getByTestId('ask-dialog');
    await dialog.waitFor({ timeout: TIMEOUT });
    assert.match(await dialog.textContent(), /print dialog/);
    await shot(user, 'journey-window-ask');
    await user.locator('input[name="ask-scope"][value="screen"]').check();
    await user.getByTestId('ask-allow').click();
    await waitFor('the ask allowed in the console', async () => /allowed screen/.test(await tech.getByTestId('ask-state').textContent()), TIMEOUT);
    await waitFor('screen granted in the console', async () => /screen/.test(await tech.getByTestId('granted').textContent()), TIMEOUT);
    await user.locator('input[name="granted"][value="screen"]').waitFor({ timeout: TIMEOUT });

    // The user revokes the shell: the technician's list loses it.
    await user.locator('input[name="granted"][value="shell"]').click();
    await waitFor('shell revoked in the console', async () => {
      const g = await tech.getByTestId('granted').textContent();
      return !/shell/.test(g) && /screen/.test(g);
    }, TIMEOUT);

    // The user ends and rates.
    await user.getByTestId('end').click();
    await user.getByTestId('end-confirm').click();
    await user.getByTestId('ended').waitFor({ timeout: TIMEOUT });
    await user.locator('button[name="rating"][value="5"]').click();
    await user.getByTestId('rating-comment').fill(`Quick and kind ${MARK}`);
    await user.getByTestId('rating-submit').click();
    await user.getByTestId('rating-thanks').waitFor({ timeout: TIMEOUT });
    await shot(user, 'journey-window-rated');
    await waitFor('the client to exit', () => client.exitCode !== null, TIMEOUT, 100);
    assert.equal(client.exitCode, 0, clientOut);

    // The ticket: how consent was given, the rating, the sealed transcript.
    await tech.goto(`${gw.url}/tickets/${inv.ticket}`);
    const old = tech.locator('[data-testid="session"][data-state="ended"]');
    await waitFor('the rating on the ticket', async () => {
      await tech.reload();
      await tech.locator('details.past > summary').click({ timeout: TIMEOUT }).catch(() => {});
      return /5\/5/.test(await old.getByTestId('rating').textContent({ timeout: 1000 }).catch(() => ''));
    }, TIMEOUT, 500);
    assert.match(await old.getByTestId('rating').textContent(), new RegExp(`Quick and kind ${MARK}`));
    assert.equal(await old.getByTestId('consent-method').textContent(), 'asked in the consent window');
    await waitFor('the sealed transcript', async () => (await old.getByTestId('chat-transcript').getAttribute('data-seal')) === 'verified', TIMEOUT);
    const lines = await old.locator('[data-testid="chat-transcript"] li[data-sender]').allTextContents();
    assert.equal(lines.length, 2, JSON.stringify(lines));
    await old.scrollIntoViewIfNeeded();
    await shot(tech, 'journey-ticket');

    // The audit trail says how each grant was given.
    const audit = await tech.evaluate(async (id) => {
      const r = await fetch(`/api/v1/tickets/${id}/sessions`).then((r) => r.json());
      return r;
    }, inv.ticket);
    assert.equal(audit[0].consent, 'window');
    assert.deepEqual(problems, []);
    }
  });
});
