// The join page as an end user meets it on Linux, Windows and macOS: one
// download button for their computer with the file's real name (the invite
// code in it), checksum and signature state, steps for that file, no
// --accept anywhere, and the page works without the #sha256= fragment.
// The gateway starts with a downloads folder that does not exist yet; the
// test then fills it with real clients baked for this gateway.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESET, artifactsDir, buildBakedClient, chromiumPath, ensureArtifacts, launch, newContext, skipOrFail, startGateway } from './harness.mjs';

const skip = skipOrFail('the join page browser test', existsSync(chromiumPath) ? '' : `${chromiumPath} is missing (apt-get install -y chromium)`);
const ADMIN_PW = `admin-${randomBytes(9).toString('base64url')}`;
const TIMEOUT = 30000;

const WIN_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const MAC_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const LINUX_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

// Each system: its user agent, the Client Hints the browser would give
// (null: none, as Safari), and the build and file the page must offer.
const SYSTEMS = [
  { name: 'linux', ua: LINUX_UA, hints: { platform: 'Linux', architecture: 'x86', bitness: '64' }, os: 'linux', arch: 'amd64', ext: '' },
  { name: 'windows', ua: WIN_UA, hints: { platform: 'Windows', architecture: 'x86', bitness: '64' }, os: 'windows', arch: 'amd64', ext: '.exe' },
  { name: 'macos', ua: MAC_UA, hints: null, os: 'darwin', arch: 'arm64', ext: '' },
];
const BUILDS = [['linux', 'amd64'], ['windows', 'amd64'], ['darwin', 'arm64'], ['darwin', 'amd64']];

/** api calls the gateway's API with the admin's bearer token. */
async function api(request, gw, token, method, path, data) {
  const res = await request.fetch(`${gw.url}${path}`, { method, data, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

describe('join page', { skip, timeout: 600000 }, () => {
  let gw;
  let browser;
  let dist;
  let invite;
  let baked;
  const problems = [];
  const expected = [['/api/v1/me', 401]];

  before(async () => {
    dist = join(mkdtempSync(join(tmpdir(), 'tether-join-')), 'dist');
    gw = await startGateway(ADMIN_PW, ['--downloads', dist]);
    mkdirSync(dist);
    const addr = new URL(gw.url).host;
    await Promise.all(BUILDS.map(([os, arch]) =>
      buildBakedClient(join(dist, `tether-client-${os}-${arch}${os === 'windows' ? '.exe' : ''}`), addr, gw.fingerprint, os, arch)));
    browser = await launch();
    const ctx = await newContext(browser, problems, expected);
    const { token } = await api(ctx.request, gw, '', 'POST', '/api/v1/login', { username: 'admin', password: ADMIN_PW });
    const ticket = await api(ctx.request, gw, token, 'POST', '/api/v1/tickets', { title: 'Printer vanished', description: 'since Monday' });
    invite = await api(ctx.request, gw, token, 'POST', `/api/v1/tickets/${ticket.id}/invites`, { scopes: ['diagnostics', 'shell'] });
    const listed = await api(ctx.request, gw, '', 'GET', '/api/v1/downloads');
    assert.equal(listed.length, BUILDS.length, 'the folder created after the gateway started is served');
    baked = listed.every((d) => d.baked);
    assert.ok(baked, `the builds baked with -X ${PRESET} are not listed as baked: ${JSON.stringify(listed)}`);
    await ctx.close();
  });

  after(async () => {
    await browser?.close();
    if (gw) {
      if (process.exitCode) console.error(gw.proc.tail());
      await gw.stop();
    }
    if (dist) rmSync(join(dist, '..'), { recursive: true, force: true });
    assert.deepEqual(problems, [], 'console errors, exceptions or CSP violations');
  });

  const codeNoDashes = () => invite.code.replace(/-/g, '');

  async function openAs(sys, withFingerprint) {
    // newContext's checks (console errors, exceptions, CSP), with this system's user agent.
    const c2 = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, userAgent: sys.ua, acceptDownloads: true });
    c2.on('page', (p) => {
      p.on('pageerror', (err) => problems.push(`uncaught exception on ${p.url()}: ${err.message}`));
      p.on('console', (m) => m.type() === 'error' && problems.push(`console error on ${p.url()}: ${m.text()}`));
    });
    await c2.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));
    });
    await c2.addInitScript((hints) => {
      const platform = hints ? hints.platform : 'MacIntel';
      Object.defineProperty(Navigator.prototype, 'platform', { get: () => platform });
      const uad = hints ? { platform: hints.platform, mobile: false, brands: [], getHighEntropyValues: async () => ({ ...hints }) } : undefined;
      Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => uad });
    }, sys.hints);
    const page = await c2.newPage();
    const path = new URL(invite.url).pathname + (withFingerprint ? new URL(invite.url).hash : '');
    await page.goto(`${gw.url}${path}`);
    await page.locator('[data-testid="join-state"][data-state="valid"]').waitFor({ timeout: TIMEOUT });
    return { ctx: c2, page };
  }

  for (const sys of SYSTEMS) {
    it(`offers ${sys.name} one button with the code in the file name and steps for that file`, async () => {
      const { ctx, page } = await openAs(sys, sys.name !== 'linux');
      const want = `tether-client-${codeNoDashes()}-${sys.os}-${sys.arch}${sys.ext}`;
      const btn = page.getByTestId('download-primary');
      await btn.waitFor({ timeout: TIMEOUT });
      assert.equal(await btn.count(), 1, 'exactly one primary download button');
      assert.equal(await btn.getAttribute('data-file'), want);
      assert.equal(await btn.getAttribute('data-os'), sys.os);
      assert.equal(await btn.getAttribute('data-arch'), sys.arch);
      assert.equal((await page.getByTestId('download-file').textContent()).trim(), want);
      assert.match((await page.getByTestId('download-sha256').textContent()).trim(), /^[0-9a-f]{64}$/);
      const sig = await page.getByTestId('download-signature').getAttribute('data-state');
      assert.equal(sig, sys.os === 'darwin' && sys.arch === 'arm64' ? 'adhoc' : 'unsigned');
      let commands = (await page.getByTestId('step-command').allTextContents()).map((s) => s.trim());
      if (!baked) {
        const last = commands.findIndex((c) => c.endsWith(` join '${invite.join}'`));
        assert.ok(last >= 0, `an unbaked build's steps ${commands} lack the full link ${invite.join}`);
        commands = commands.map((c) => c.replace(` join '${invite.join}'`, ''));
      }
      if (sys.os === 'linux') assert.deepEqual(commands, ['cd ~/Downloads', `chmod +x ${want}`, `./${want}`]);
      if (sys.os === 'darwin') {
        assert.deepEqual(commands, ['cd ~/Downloads', `xattr -d com.apple.quarantine ${want}`, `chmod +x ${want}`, `./${want}`]);
        await page.getByTestId('arch-note').waitFor(); // a Mac's browser cannot tell Apple silicon from Intel
      }
      if (sys.os === 'windows') {
        assert.deepEqual(commands, ['cd $HOME\\Downloads', `.\\${want}`]);
        if (baked) {
          await page.getByTestId('steps').getByText(`Double-click ${want}.`).waitFor();
          await page.getByTestId('steps').getByText('More info, then Run anyway').waitFor();
        }
      }
      await page.getByTestId('window-note').getByText(baked ? 'a window opens where you choose what to allow' : 'it asks you in the terminal what to allow').waitFor();
      assert.equal((await page.getByTestId('join-code').textContent()).replace(/[^A-Z0-9]/g, ''), codeNoDashes());
      const html = await page.content();
      assert.ok(!html.includes('--accept'), 'the page puts --accept somewhere');
      assert.equal(await page.getByRole('button', { name: /sign in/i }).count(), 0, 'the sign-in page shows');
      ensureArtifacts();
      await page.screenshot({ path: join(artifactsDir, `join-${sys.name}.png`), fullPage: true });

      if (sys.os === 'linux') {
        const shown = (await page.getByTestId('download-sha256').textContent()).trim();
        const [dl] = await Promise.all([page.waitForEvent('download'), btn.click()]);
        assert.equal(dl.suggestedFilename(), want);
        const saved = join(artifactsDir, `download-${want}`);
        await dl.saveAs(saved);
        const sum = createHash('sha256').update(readFileSync(saved)).digest('hex');
        rmSync(saved);
        assert.equal(sum, shown, 'the downloaded file hashes to the SHA-256 the page shows');
      }
      await ctx.close();
    });
  }

  it('lets a Mac with an Intel processor pick its build under Other systems, and the steps follow', async () => {
    const { ctx, page } = await openAs(SYSTEMS[2], false);
    await page.locator('.other-systems summary').click();
    const intel = page.locator('.other-systems a', { hasText: 'macOS (Intel)' });
    const [dl] = await Promise.all([page.waitForEvent('download'), intel.click()]);
    const want = `tether-client-${codeNoDashes()}-darwin-amd64`;
    assert.equal(dl.suggestedFilename(), want);
    await dl.cancel();
    assert.equal(await page.getByTestId('download-primary').getAttribute('data-file'), want);
    assert.ok((await page.getByTestId("step-command").allTextContents()).some((c) => c.trim() === `./${want}` || c.trim().startsWith(`./${want} join `)));
    await ctx.close();
  });

  it('asks for the code at /j and /j/ instead of showing the sign-in page, and the typed code leads to the join page', async () => {
    const ctx = await newContext(browser, problems, expected);
    const page = await ctx.newPage();
    for (const p of ['/j', '/j/']) {
      await page.goto(`${gw.url}${p}`);
      await page.locator('[data-testid="join-state"][data-state="no-code"]').waitFor({ timeout: TIMEOUT });
      assert.equal(await page.locator('input[type="password"]').count(), 0, `${p} shows a sign-in form`);
    }
    await page.getByTestId('join-code-input').fill('nonsense');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').getByText('not a support code').waitFor();
    await page.getByTestId('join-code-input').fill(invite.code.toLowerCase().replace(/-/g, ' '));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('[data-testid="join-state"][data-state="valid"]').waitFor({ timeout: TIMEOUT });
    assert.equal(new URL(page.url()).pathname, `/j/${invite.code}`);
    await ctx.close();
  });
});
