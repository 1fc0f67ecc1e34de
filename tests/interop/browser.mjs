// A person with a real browser: headless Chromium (Debian's /usr/bin/chromium, never a
// downloaded one) driven by playwright-core, clicking through sign-in and sign-out of the
// axum-login example.
//
//   node browser.mjs <app-url> <artifacts-dir> <fake|op> <login> <expected display name>
//   node browser.mjs <app-url> <artifacts-dir> op-backchannel <login> <name> <provider-url> [<app-url>...]
//
//   fake: FakeFeide's interactive page (pick the user by clicking their button)
//   op:   oidc-provider's login form (type the login and a password), then its consent page,
//         and its logout confirmation page
//   op-backchannel: sign in as with op (and see the session on every other instance of the app
//         given after the provider's URL: they share one session store), then sign out AT THE
//         PROVIDER (its end-session page, not the app's /logout), keeping the app's cookie; the
//         provider's back-channel logout call must end the app's session: every instance shows
//         the signed-out page (waited for with a deadline), and /me sends the browser to the
//         provider's login form again.
//
// Prints one JSON line per step on stdout: {"step", "ok", "url", "screenshot"} and, on failure,
// {"step", "ok": false, "error", "url", "text", "screenshot"} (then exits 1); last {"done": true}.
// Every step saves a screenshot in <artifacts-dir>. Only loopback is reachable: any other request
// (a web font a provider page links to, say) is aborted and reported as "blocked".

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const [appUrl, outDir, kind, login, expectedName, providerUrl, ...otherAppUrls] = process.argv.slice(2);
if (!appUrl || !outDir || !['fake', 'op', 'op-backchannel'].includes(kind) || !login || !expectedName
  || (kind === 'op-backchannel' && !providerUrl)) {
  process.stderr.write('usage: node browser.mjs <app-url> <artifacts-dir> <fake|op> <login> <name>\n'
    + '       node browser.mjs <app-url> <artifacts-dir> op-backchannel <login> <name> <provider-url> [<app-url>...]\n');
  process.exit(2);
}
// How long the app may take to refuse a session the provider ended (the library's revocation
// bound is far below this; the step reports how long it took).
const REVOCATION_DEADLINE = 10_000;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 15_000;

fs.mkdirSync(outDir, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'feide-tower-chromium-'));
const app = new URL(appUrl);
const apps = [app, ...otherAppUrls.map((url) => new URL(url))];
const blocked = new Set();
let context;
let page;
let shot = 0;

// The cookies the browser holds for the app (names only: values are never reported).
async function appCookieNames() {
  return (await context.cookies(app.href)).map((cookie) => cookie.name);
}

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
    const detail = await action();
    const file = await screenshot(name);
    report({ step: name, ok: true, url: page.url(), screenshot: file, ...(detail || {}) });
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

  if (kind !== 'fake') {
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

  if (kind === 'op-backchannel') {
    await backchannel();
    report({ done: true, blocked: [...blocked] });
    return;
  }

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

// After signing in (op-backchannel): the other instances share the session; the user signs out
// at the provider; every instance then refuses the session the browser still holds a cookie for.
async function backchannel() {
  if (apps.length > 1) {
    await step('signed-in-everywhere', async () => {
      for (const instance of apps.slice(1)) {
        await page.goto(new URL('/', instance).href);
        await expectText(`Signed in as ${expectedName}`);
      }
    });
  }

  let cookiesBefore;
  await step('provider-logout-page', async () => {
    cookiesBefore = await appCookieNames();
    if (cookiesBefore.length === 0) {
      throw new Error('the browser holds no cookie for the app after signing in');
    }
    await page.goto(new URL('/session/end', providerUrl).href);
    await expectText('Do you want to sign-out from');
  });

  let signedOutAt;
  await step('provider-signed-out', async () => {
    await page.click('button[name="logout"][value="yes"]');
    await page.waitForURL((url) => url.origin === new URL(providerUrl).origin
      && url.pathname === '/session/end/success');
    signedOutAt = Date.now();
    await expectText('Sign-out Success');
    // The app's own logout never ran: its cookie is still in the browser.
    const kept = await appCookieNames();
    if (!cookiesBefore.every((name) => kept.includes(name))) {
      throw new Error(`the app's cookies changed: ${JSON.stringify(cookiesBefore)} -> ${JSON.stringify(kept)}`);
    }
    return { app_cookies: kept };
  });

  await step('signed-out-everywhere', async () => {
    const waited = [];
    for (const instance of apps) {
      for (;;) {
        await page.goto(new URL('/', instance).href);
        const text = await bodyText().catch(() => '');
        if (text.includes('You are not signed in')) {
          break;
        }
        if (Date.now() - signedOutAt > REVOCATION_DEADLINE) {
          throw new Error(`${instance.origin} still shows a session ${REVOCATION_DEADLINE} ms after the provider's logout: ${text.slice(0, 200)}`);
        }
        await page.waitForTimeout(50);
      }
      waited.push(Date.now() - signedOutAt);
    }
    return { waited_ms: waited };
  });

  await step('me-asks-to-sign-in-again', async () => {
    await page.goto(new URL('/me', app).href);
    await page.waitForURL((url) => !onApp(url));
    await expectText('Sign-in');
  });
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
