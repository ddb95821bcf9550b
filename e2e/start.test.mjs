// `npm start` as a newcomer meets it: a first run interrupted with Ctrl+C while the example
// service's `npm install` runs, then a second run that must recover, bring the example service
// up, and keep the terminal short (per-request lines in the log files it names).
//
//   node --test e2e/start.test.mjs        (part of `npm run test:e2e`)
//
// Runs scripts/start.mjs on its own ports (START_TEST_*_PORT, defaults 3200/7207/8290) with
// LOCAL_DIR / LOCAL_GIT_ROOT in a temp dir, so a developer's `npm start` is left alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitUntil } from '../scripts/example-service.mjs';
import { ROOT, stopProcessGroup, trackProcessGroup } from './portal.mjs';

const APP_PORT = Number(process.env.START_TEST_APP_PORT ?? 3200);
const BACKEND_PORT = Number(process.env.START_TEST_BACKEND_PORT ?? 7207);
const SERVICE_PORT = Number(process.env.START_TEST_SERVICE_PORT ?? 8290);
const temp = mkdtempSync(join(tmpdir(), 'start-e2e-'));
const localDir = join(temp, 'local');
const serviceDir = join(localDir, 'example-service');

let running;

/** `npm start` (scripts/start.mjs) in its own process group, its terminal output kept with times. */
function npmStart() {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    detached: true, // its own process group: Ctrl+C in a terminal signals the whole group
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORTAL_APP_PORT: String(APP_PORT),
      PORTAL_BACKEND_PORT: String(BACKEND_PORT),
      EXAMPLE_SERVICE_PORT: String(SERVICE_PORT),
      LOCAL_DIR: localDir,
      LOCAL_GIT_ROOT: join(temp, 'git'),
      BROWSER: 'none',
    },
  });
  const started = Date.now();
  const lines = [];
  let partial = '';
  const keep = chunk => {
    const text = partial + chunk;
    const parts = text.split('\n');
    partial = parts.pop();
    for (const line of parts) lines.push({ at: Date.now() - started, line });
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const untrack = trackProcessGroup(child.pid);
  const exited = new Promise(resolveExit => child.once('exit', resolveExit));
  running = {
    child,
    lines,
    text: () => lines.map(l => l.line).join('\n'),
    stop: async () => {
      untrack();
      await stopProcessGroup(child, 15_000);
    },
  };
  return { ...running, exited };
}

after(async () => {
  await running?.stop();
  rmSync(temp, { recursive: true, force: true });
});

test('npm start recovers from a Ctrl+C during the example install and keeps the terminal short', async () => {
  // First run: Ctrl+C a few seconds into the example's npm install.
  const first = npmStart();
  await waitUntil(() => /Installing example-service/.test(first.text()), {
    timeoutMs: 600_000,
    intervalMs: 500,
    what: `the example's npm install to start; output:\n${first.text()}`,
  });
  await new Promise(r => setTimeout(r, 5000));
  process.kill(-first.child.pid, 'SIGINT');
  await first.exited; // npm start waits until the portal is down, so its ports are free again
  await first.stop();
  assert.ok(existsSync(serviceDir), 'the interrupted run left a working copy');
  assert.ok(
    !existsSync(join(serviceDir, '.git', 'npm-start-installed')),
    'the interrupted install is not marked as complete',
  );

  // Second run: it notices, installs again, and the example service comes up.
  const second = npmStart();
  await waitUntil(
    () =>
      /Example service: http:\/\/localhost:\d+/.test(second.text()) ||
      /cannot start|did not come up|stopped|in use/.test(second.text()),
    {
      timeoutMs: 900_000,
      intervalMs: 1000,
      what: `the summary of the second npm start; output:\n${second.text()}`,
    },
  );
  const output = second.text();
  assert.match(
    output,
    /did not finish \(interrupted or failed\): installing it again/,
  );
  assert.match(
    output,
    new RegExp(`Example service: http://localhost:${SERVICE_PORT}`),
    output,
  );
  const health = await fetch(`http://localhost:${SERVICE_PORT}/health`);
  assert.equal(health.status, 200);

  // The terminal: at most 40 lines in the first 5 minutes, ending with the summary.
  const firstFiveMinutes = second.lines.filter(l => l.at <= 300_000);
  assert.ok(
    firstFiveMinutes.length <= 40,
    `${firstFiveMinutes.length} lines:\n${output}`,
  );
  const summary = output.slice(output.lastIndexOf('\nPortal:'));
  assert.match(summary, new RegExp(`Portal: +http://localhost:${APP_PORT}`));
  assert.match(
    summary,
    /Logs: +.*portal\.log \(portal\), .*example-service\.log/,
  );
  assert.match(summary, /Ctrl\+C stops everything/);
  assert.doesNotMatch(output, /incomingRequest|"GET \//);

  console.log(`# the second npm start's terminal:\n${output}`);

  // The per-request lines went to the log file the summary names.
  const portalLog = readFileSync(join(localDir, 'portal.log'), 'utf8');
  assert.match(portalLog, /type="incomingRequest"/);
});
