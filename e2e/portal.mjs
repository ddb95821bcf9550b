// Starts the local portal (the README's `npm start`, on the e2e ports) and a
// headless Chromium, for the browser tests. Everything started here is stopped
// by the returned `stop()`.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
export const APP_URL = 'http://localhost:3100';
export const BACKEND_URL = 'http://localhost:7107';

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function waitFor(url, { timeoutMs, isReady = r => r.ok }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (await isReady(res)) return;
      lastError = new Error(`${url} answered ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(1000);
  }
  throw new Error(`Timed out waiting for ${url}: ${lastError?.message}`);
}

/**
 * Starts `backstage-cli repo start` with the e2e config (plus `extraConfig` files, relative to
 * the repository or absolute); resolves when both ports answer.
 */
export async function startPortal({ extraConfig = [], env = {} } = {}) {
  const configs = ['app-config.yaml', 'e2e/app-config.e2e.yaml', ...extraConfig];
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/@backstage/cli/bin/backstage-cli'),
      'repo',
      'start',
      // Relative paths are the repository's; absolute ones (e.g. a test's temp file) stay as they are.
      ...configs.flatMap(c => ['--config', resolve(ROOT, c)]),
    ],
    {
      cwd: ROOT,
      detached: true, // own process group, so stop() ends the app and backend too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, BROWSER: 'none' },
    },
  );
  let output = '';
  const keep = chunk => {
    output = (output + chunk).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 20 && child.exitCode === null; i++) await sleep(250);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  try {
    await waitFor(`${BACKEND_URL}/.backstage/health/v1/readiness`, {
      timeoutMs: 180_000,
    });
    await waitFor(APP_URL, { timeoutMs: 180_000 });
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n--- portal output ---\n${output}`);
  }
  return { stop, output: () => output };
}

/** A guest user's Backstage token, as the sign-in page gets it. */
export async function guestToken() {
  const res = await fetch(`${BACKEND_URL}/api/auth/guest/refresh`);
  if (!res.ok) throw new Error(`guest refresh answered ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}

export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  return { browser, page };
}

export const screenshot = (page, name) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
