// A person with a real browser: headless Chromium (Debian's /usr/bin/chromium, never a
// downloaded one) driven by playwright-core, clicking through sign-in and sign-out of the
// axum-login example.
//
//   node browser.mjs <app-url> <artifacts-dir> <fake|op> <login> <expected display name>
//
//   fake: FakeFeide's interactive page (pick the user by clicking their button)
//   op:   oidc-provider's login form (type the login and a password), then its consent page,
//         and its logout confirmation page
//
// Prints one JSON line per step on stdout: {"step", "ok", "url", "screenshot"} and, on failure,
// {"step", "ok": false, "error", "url", "text", "screenshot"} (then exits 1); last {"done": true}.
// Every step saves a screenshot in <artifacts-dir>. Only loopback is reachable: any other request
// (a web font a provider page links to, say) is aborted and reported as "blocked".

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const [appUrl, outDir, kind, login, expectedName] = process.argv.slice(2);
if (!appUrl || !outDir || !['fake', 'op'].includes(kind) || !login || !expectedName) {
  process.stderr.write('usage: node browser.mjs <app-url> <artifacts-dir> <fake|op> <login> <name>\n');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 15_000;

fs.mkdirSync(outDir, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'feide-tower-chromium-'));
const app = new URL(appUrl);
const blocked = new Set();
let context;
let page;
let shot = 0;

function report(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function screenshot(name) {
  shot += 1;
  const file = path.join(outDir, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function bodyText() {
  return (await page.locator('body').innerText({ timeout: STEP_TIMEOUT })).replace(/\s+/g, ' ').trim();
}

async function expectText(needle) {
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    const text = await bodyText().catch(() => '');
    if (text.includes(needle)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the page does not say ${JSON.stringify(needle)}`);
    }
    await page.waitForTimeout(50);
  }
}

function onApp(url) {
  return url.origin === app.origin;
}

async function step(name, action) {
  try {
    await action();
    const file = await screenshot(name);
    report({ step: name, ok: true, url: page.url(), screenshot: file });
  } catch (error) {
    let file = null;
    let text = '';
    try {
      file = await screenshot(`FAILED-${name}`);
      text = (await bodyText()).slice(0, 800);
    } catch {
      // The page itself is gone; the error says why.
    }
    report({ step: name, ok: false, error: String(error?.message || error).split('\n')[0], url: page?.url(), text, screenshot: file });
    throw error;
  }
}

async function main() {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1000, height: 800 },
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT);
  await context.route('**/*', (route) => {
    const { hostname } = new URL(route.request().url());
    if (['localhost', '127.0.0.1', '[::1]'].includes(hostname)) {
      return route.continue();
    }
    blocked.add(new URL(route.request().url()).origin);
    return route.abort();
  });
  page = context.pages()[0] || await context.newPage();

  await step('home-signed-out', async () => {
    await page.goto(new URL('/', app).href);
    await expectText('You are not signed in');
  });

  await step('provider-login-page', async () => {
    await page.click('#login');
    await page.waitForURL((url) => !onApp(url));
    if (kind === 'fake') {
      await expectText('Log in with Feide');
      await page.locator(`button[name="user"][value="${login}"]`).waitFor();
    } else {
      await expectText('Sign-in');
      await page.fill('input[name="login"]', login);
      await page.fill('input[name="password"]', 'any password');
    }
  });

  if (kind === 'op') {
    await step('provider-consent-page', async () => {
      await page.click('button[type="submit"]');
      await page.waitForURL((url) => !onApp(url) && url.pathname.startsWith('/interaction/'));
      await expectText('Authorize');
      await page.locator('button', { hasText: 'Continue' }).waitFor();
    });
  }

  await step('signed-in', async () => {
    if (kind === 'fake') {
      await page.click(`button[name="user"][value="${login}"]`);
    } else {
      await page.click('button:has-text("Continue")');
    }
    await page.waitForURL((url) => onApp(url) && url.pathname === '/');
    await expectText(`Signed in as ${expectedName}`);
    const shown = (await page.locator('#name').innerText()).trim();
    if (shown !== expectedName) {
      throw new Error(`the page names ${JSON.stringify(shown)}, not ${JSON.stringify(expectedName)}`);
    }
  });

  if (kind === 'op') {
    await step('provider-logout-page', async () => {
      await page.click('#logout');
      await page.waitForURL((url) => !onApp(url));
      await expectText('Do you want to sign-out from');
    });
  }

  await step('signed-out', async () => {
    if (kind === 'fake') {
      await page.click('#logout');
    } else {
      await page.click('button[name="logout"][value="yes"]');
    }
    await page.waitForURL((url) => onApp(url) && url.pathname === '/post-logout');
    await expectText('You are signed out');
  });

  await step('home-after-sign-out', async () => {
    await page.goto(new URL('/', app).href);
    await expectText('You are not signed in');
  });

  report({ done: true, blocked: [...blocked] });
}

let status = 0;
try {
  await main();
} catch (error) {
  status = 1;
  process.stderr.write(`${error?.stack || error}\n`);
} finally {
  await context?.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(status);
