// Starts the local portal (the README's `npm start`, on the e2e ports) and a
// headless Chromium, for the browser tests. Everything started here is stopped
// by the returned `stop()`.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { waitForUrl } from '../scripts/example-service.mjs';
import { portalConfigEnv } from '../scripts/portal-process.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
// e2e/app-config.e2e.yaml's ports; E2E_APP_PORT / E2E_BACKEND_PORT move them (e.g. to run the
// tests beside a benchmark that uses the same module).
const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3100);
const BACKEND_PORT = Number(process.env.E2E_BACKEND_PORT ?? 7107);
export const APP_URL = `http://localhost:${APP_PORT}`;
export const BACKEND_URL = `http://localhost:${BACKEND_PORT}`;

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** SIGTERM to `child`'s process group, SIGKILL if it has not exited after `graceMs`. */
export async function stopProcessGroup(child, graceMs) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  for (
    const deadline = Date.now() + graceMs;
    Date.now() < deadline &&
    child.exitCode === null &&
    child.signalCode === null;

  )
    await sleep(250);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Process groups started by the tests (portal, services). A test file's `after` stops them; if
 * the runner itself is interrupted (Ctrl-C, a CI timeout), this stops them on the way out.
 */
const groups = new Set();
export function trackProcessGroup(pid) {
  groups.add(pid);
  return () => groups.delete(pid);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    process.exit(130);
  });
}

/** Whether something accepts connections on localhost:<port>. */
function portInUse(port) {
  return new Promise(resolvePort => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolvePort(false);
    });
    socket.once('error', () => resolvePort(false));
  });
}

/**
 * Waits until nothing listens on the e2e ports: another portal there (a second test run, a
 * benchmark) would otherwise answer in place of ours. E2E_PORT_WAIT_MS bounds the wait.
 */
async function waitForFreePorts() {
  const ports = [new URL(APP_URL).port, new URL(BACKEND_URL).port].map(Number);
  const timeoutMs = Number(process.env.E2E_PORT_WAIT_MS ?? 600_000);
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const busy = [];
    for (const port of ports) if (await portInUse(port)) busy.push(port);
    if (busy.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `ports ${busy.join(', ')} are still in use after ${
          timeoutMs / 1000
        } s: stop the other portal`,
      );
    }
    if (!told) {
      console.error(
        `# e2e: ports ${busy.join(
          ', ',
        )} are in use (another portal?); waiting for them to be free`,
      );
      told = true;
    }
    await sleep(2000);
  }
}

/**
 * Starts `backstage-cli repo start` with the e2e config (plus `extraConfig` files, relative to
 * the repository or absolute); resolves when both ports answer.
 */
export async function startPortal({ extraConfig = [], env = {} } = {}) {
  await waitForFreePorts();
  const configs = [
    'app-config.yaml',
    'e2e/app-config.e2e.yaml',
    ...extraConfig,
  ];
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
      env: {
        ...process.env,
        ...portalConfigEnv({ appUrl: APP_URL, backendUrl: BACKEND_URL }),
        ...env,
        BROWSER: 'none',
      },
    },
  );
  const untrack = trackProcessGroup(child.pid);
  let output = '';
  const keep = chunk => {
    output = (output + chunk).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async () => {
    untrack();
    await stopProcessGroup(child, 5000);
  };
  try {
    // E2E_PORTAL_READY_SECONDS: more time on a machine loaded by other work (the backend's
    // plugins took over 180 s to initialise at a load average of 20 on 2 cores)
    const timeoutMs =
      Number(process.env.E2E_PORTAL_READY_SECONDS ?? 180) * 1000;
    await waitForUrl(`${BACKEND_URL}/.backstage/health/v1/readiness`, {
      timeoutMs,
    });
    await waitForUrl(APP_URL, { timeoutMs });
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
  const page = await browser.newPage({
    viewport: { width: 1440, height: 900 },
  });
  // A page load waits for the dev server's bundle; on 2 busy cores that has taken over 30 s
  // (Playwright's default), which is slow, not broken.
  page.setDefaultNavigationTimeout(120_000);
  return { browser, page };
}

export const screenshot = (page, name) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
