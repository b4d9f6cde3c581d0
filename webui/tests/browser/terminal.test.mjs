// The web terminal as a technician uses it, against the real gateway and a
// real tether-client shell: underscores are drawn (row text AND pixels),
// search finds a line scrolled out of view, A+/A- change the remote
// `stty size` and are remembered, copy and paste go through the clipboard
// and a multi-line paste asks first.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  artifactsDir, binDir, chromiumPath, ensureArtifacts, launch, newContext, repoRoot, signIn, skipOrFail, startClient, startGateway,
  ticketWithInvite, waitFor,
} from './harness.mjs';

const skip = skipOrFail('the web terminal browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);

const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const MARK = `T${randomBytes(3).toString('hex')}`;
const TIMEOUT = 30000;

/** rowsText returns the terminal's visible rows as lines (the DOM renderer's .xterm-rows). */
async function rowsText(page) {
  return page.locator('.xterm-rows > div').allTextContents();
}

/**
 * bright counts pixels clearly brighter than the terminal background in a
 * PNG, decoded in the page itself (canvas) so the test needs no image library.
 * Returns counts for the upper and the lower half of the image.
 */
async function brightHalves(page, png) {
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = document.createElement('canvas');
    c.width = bmp.width;
    c.height = bmp.height;
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let upper = 0;
    let lower = 0;
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        // background #0f1720 (lum ~21); foreground #e2e8f0
        const lum = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        if (lum > 90) {
          if (y < c.height / 2) upper++;
          else lower++;
        }
      }
    }
    return { upper, lower, width: c.width, height: c.height };
  }, png.toString('base64'));
}

/**
 * cellBox finds the output row whose text is exactly `text` and returns the
 * box of the cell holding its character at index `idx`: x from the glyph's
 * advance, y from the row (the DOM renderer clips each row to its box).
 */
async function cellBox(page, text, idx) {
  return page.evaluate(({ text, idx }) => {
    const rows = [...document.querySelectorAll('.xterm-rows > div')];
    const row = rows.find((r) => (r.textContent ?? '').trimEnd() === text);
    if (!row) return null;
    const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
    let seen = 0;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const len = n.textContent.length;
      if (idx < seen + len) {
        const r = document.createRange();
        r.setStart(n, idx - seen);
        r.setEnd(n, idx - seen + 1);
        const g = r.getBoundingClientRect();
        const rr = row.getBoundingClientRect();
        return { x: g.left, width: g.width, y: rr.top, height: rr.height };
      }
      seen += len;
    }
    return null;
  }, { text, idx });
}

describe('the web terminal', { skip, timeout: 240000 }, () => {
  let gw;
  let browser;
  let ctx;
  let page;
  let client;
  const problems = [];
  const expected = [['/api/v1/me', 401], ['/api/v1/downloads', 404]];

  before(async () => {
    for (const b of ['tether-gateway', 'tether-client']) {
      assert.ok(existsSync(join(binDir, b)), `${join(binDir, b)} is missing: run make build first`);
    }
    gw = await startGateway(ADMIN_PW);
    browser = await launch();
    ctx = await newContext(browser, problems, expected);
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    page = await ctx.newPage();
    await signIn(page, gw.url, 'admin', ADMIN_PW);
    const { ticket, join: joinString } = await ticketWithInvite(page, 'Terminal', ['shell']);
    client = startClient(joinString, 'shell');
    await page.goto(`${gw.url}/tickets/${ticket}`);
    await page.locator('[data-testid="session"][data-state="connected"]').waitFor({ timeout: TIMEOUT });
    await page.evaluate(() => localStorage.removeItem('tether.terminal.fontSize'));
    await page.getByRole('link', { name: 'Open shell' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await page.locator('.xterm').click();
  });

  after(async () => {
    if (client) await client.stop('SIGINT');
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
  });

  async function run(cmd, until) {
    await page.locator('.xterm').click();
    await page.keyboard.type(`${cmd}\n`, { delay: 5 });
    await waitFor(`the output of ${cmd}`, async () => (await rowsText(page)).some(until), TIMEOUT);
  }

  it('shows underscores: in the row text and as pixels in the cell', async () => {
    await run('echo a_b; uname -m', (l) => l.trimEnd() === 'a_b');
    assert.ok((await rowsText(page)).some((l) => l.trimEnd() === 'a_b'), 'no a_b row');
    const under = await cellBox(page, 'a_b', 1);
    const letter = await cellBox(page, 'a_b', 0);
    assert.ok(under && letter, 'the a_b row has no measurable cells');
    const clip = (b) => ({ x: Math.floor(b.x), y: Math.floor(b.y), width: Math.max(1, Math.round(b.width)), height: Math.round(b.height) });
    // Sanity: the measuring works, the "a" cell has ink.
    const a = await brightHalves(page, await page.screenshot({ clip: clip(letter) }));
    assert.ok(a.upper + a.lower > 0, `no ink in the "a" cell ${JSON.stringify(a)}`);
    const u = await brightHalves(page, await page.screenshot({ clip: clip(under) }));
    assert.ok(u.lower > 0, `the "_" cell has no ink in its lower half: ${JSON.stringify({ u, under })}`);
    assert.equal(u.upper, 0, `the "_" cell has ink in its upper half: ${JSON.stringify(u)}`);

    // The screenshot for the docs: the top of the terminal, where the
    // command, a_b and x86_64 are, zoomed 2× by a second page render.
    ensureArtifacts();
    const box = await page.getByTestId('terminal').boundingBox();
    const shot = join(artifactsDir, 'terminal-underscore.png');
    await page.screenshot({ path: shot, clip: { x: box.x, y: box.y, width: 420, height: 110 } });
    const docs = join(repoRoot, 'docs', 'images');
    // docs/images is refreshed on request only: a test run leaves tracked files alone.
    if (process.env.TETHER_DOC_SHOTS === '1') copyFileSync(shot, join(docs, 'terminal-underscore.png'));
  });

  it('finds a line scrolled out of view, says when nothing matches', async () => {
    await run(`echo ${MARK}-needle; seq 1 200`, (l) => l.trimEnd() === '200');
    assert.ok(!(await rowsText(page)).some((l) => l.includes(`${MARK}-needle`) && !l.includes('echo')), 'the line is still in view');
    await page.keyboard.press('Control+f');
    const box = page.getByLabel('Search the terminal');
    await box.waitFor({ timeout: TIMEOUT });
    await box.fill(`${MARK}-needle`);
    await box.press('Enter');
    // The match scrolls into view and is selected.
    await waitFor('the match scrolled into view', async () => (await rowsText(page)).some((l) => l.trimEnd() === `${MARK}-needle`), TIMEOUT);
    await waitFor('a match count', async () => /of [12]/.test((await page.getByTestId('search-result').textContent()) ?? ''), TIMEOUT);
    await page.getByRole('button', { name: 'Previous' }).click();
    await waitFor('still in view after Previous', async () => (await rowsText(page)).some((l) => l.includes(`${MARK}-needle`)), TIMEOUT);
    await ensureShot('terminal-search');
    await box.fill(`${MARK}-absent`);
    await box.press('Enter');
    await waitFor('"No match"', async () => ((await page.getByTestId('search-result').textContent()) ?? '').includes('No match'), TIMEOUT);
    await box.press('Escape');
    await page.getByRole('button', { name: 'Search', exact: true }).waitFor({ timeout: TIMEOUT });
  });

  async function ensureShot(name) {
    ensureArtifacts();
    await page.screenshot({ path: join(artifactsDir, `${name}.png`) });
  }

  async function sttySize() {
    await page.locator('.xterm').click();
    await page.keyboard.type('clear\n', { delay: 5 });
    const tag = `SZ${randomBytes(2).toString('hex')}`;
    await page.locator('.xterm').click();
    await page.keyboard.type(`echo ${tag} $(stty size)\n`, { delay: 5 });
    let size = '';
    await waitFor('stty size', async () => {
      const line = (await rowsText(page)).find((l) => l.startsWith(`${tag} `));
      size = line ? line.slice(tag.length + 1).trim() : '';
      return /^\d+ \d+$/.test(size);
    }, TIMEOUT);
    return size.split(' ').map(Number); // [rows, cols]
  }

  it('changes the font size with A+ / A- and the keys, resizes the remote shell, remembers it', async () => {
    const px = page.getByTestId('font-size');
    assert.match((await px.textContent()) ?? '', /14px/);
    const [rows0, cols0] = await sttySize();
    await page.getByRole('button', { name: 'Larger text' }).click();
    await page.getByRole('button', { name: 'Larger text' }).click();
    await px.filter({ hasText: '16px' }).waitFor({ timeout: TIMEOUT });
    let rows1;
    let cols1;
    await waitFor('a smaller remote size', async () => {
      [rows1, cols1] = await sttySize();
      return cols1 < cols0 && rows1 < rows0;
    }, TIMEOUT, 500);
    assert.equal(await page.evaluate(() => localStorage.getItem('tether.terminal.fontSize')), '16');
    // Ctrl+- from the terminal goes back down.
    await page.locator('.xterm').click();
    await page.keyboard.press('Control+-');
    await px.filter({ hasText: '15px' }).waitFor({ timeout: TIMEOUT });
    // A reload keeps it.
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: TIMEOUT });
    await px.filter({ hasText: '15px' }).waitFor({ timeout: TIMEOUT });
    await page.getByRole('button', { name: 'Smaller text' }).click();
    await px.filter({ hasText: '14px' }).waitFor({ timeout: TIMEOUT });
    await page.locator('.xterm').click();
  });

  it('copies the selection and pastes through the shell input, asking before a multi-line paste', async () => {
    await run(`echo ${MARK}-copy-me`, (l) => l.trimEnd() === `${MARK}-copy-me`);
    // Select the output row with a triple-click (xterm selects the line).
    const box = await cellBox(page, `${MARK}-copy-me`, 1);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2, { clickCount: 3 });
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor({ timeout: TIMEOUT });
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied.trim(), `${MARK}-copy-me`);

    // A one-line paste goes straight to the shell, as typed input.
    await page.evaluate((t) => navigator.clipboard.writeText(t), `echo pasted-${MARK}`);
    await page.getByRole('button', { name: 'Paste', exact: true }).click();
    // The paste is asynchronous (the clipboard is read first): press Enter only once the shell
    // echoed the pasted line and the terminal has the focus back, or the key lands on the button.
    await waitFor('the pasted line echoed at the prompt', async () => (await rowsText(page)).some((l) => l.includes(`echo pasted-${MARK}`)), TIMEOUT);
    await waitFor('the terminal to have the focus', () => page.evaluate(() => document.activeElement?.classList.contains('xterm-helper-textarea')), TIMEOUT);
    await page.keyboard.press('Enter');
    await waitFor('the pasted command ran', async () => (await rowsText(page)).some((l) => l.trimEnd() === `pasted-${MARK}`), TIMEOUT);

    // Several lines: nothing reaches the shell until confirmed.
    await page.evaluate((t) => navigator.clipboard.writeText(t), `echo one-${MARK}\necho two-${MARK}\n`);
    await page.getByRole('button', { name: 'Paste', exact: true }).click();
    const ask = page.getByRole('alertdialog', { name: 'Paste several lines?' });
    await ask.waitFor({ timeout: TIMEOUT });
    await ask.getByText('This paste has 2 lines').waitFor();
    await ensureShot('terminal-paste-confirm');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached', timeout: TIMEOUT });
    assert.ok(!(await rowsText(page)).some((l) => l.includes(`one-${MARK}`)), 'a cancelled paste reached the shell');
    // Ctrl+Shift+V takes the same path.
    await page.locator('.xterm').click();
    await page.keyboard.press('Control+Shift+V');
    await ask.waitFor({ timeout: TIMEOUT });
    await ask.getByRole('button', { name: 'Paste and run' }).click();
    await waitFor('both pasted lines ran', async () => {
      const rows = (await rowsText(page)).map((l) => l.trimEnd());
      // The output may share a row with the next prompt: "$ two-…".
      return rows.some((l) => /^(\$ )?one-/.test(l) && l.endsWith(`one-${MARK}`)) && rows.some((l) => /^(\$ )?two-/.test(l) && l.endsWith(`two-${MARK}`));
    }, TIMEOUT);
    assert.deepEqual(problems, []);
  });
});
