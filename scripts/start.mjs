#!/usr/bin/env node
// `npm start`: the portal (Backstage app and backend) and, beside it, a live example service
// made from the Fastify template through the scaffolder, exactly as a developer would make one,
// with a small steady load so its Health tab has data at first open.
//
// The terminal stays readable: the portal's own output (the backend logs every request) goes to
// <LOCAL_DIR>/portal.log, the example service's to <LOCAL_DIR>/example-service.log; the terminal
// shows progress, the portal's warnings and errors, and a summary with the URLs and log files.
//
//   EXAMPLE_SERVICE=false          the portal alone
//   PORTAL_APP_PORT=3000           the app's port (app.baseUrl)
//   PORTAL_BACKEND_PORT=7007       the backend's port (backend.baseUrl)
//   EXAMPLE_SERVICE_PORT=8090      the example service's port
//   LOCAL_DIR, LOCAL_GIT_ROOT      working copies and logs; the local git root (scripts/example-service.mjs)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import {
  EXAMPLE_VALUES,
  LOCAL_DIR,
  LOCAL_GIT_ROOT,
  createExampleService,
  runSyntheticLoad,
  startService,
  waitForUrl,
} from './example-service.mjs';
import {
  isTerminalLine,
  portalConfigEnv,
  stripAnsi,
} from './portal-process.mjs';

const ROOT = join(import.meta.dirname, '..');
const APP_PORT = Number(process.env.PORTAL_APP_PORT ?? 3000);
const BACKEND_PORT = Number(process.env.PORTAL_BACKEND_PORT ?? 7007);
const APP_URL = `http://localhost:${APP_PORT}`;
const BACKEND_URL = `http://localhost:${BACKEND_PORT}`;
const withExample = process.env.EXAMPLE_SERVICE !== 'false';
const shown = path => relative(process.cwd(), path) || path;

mkdirSync(LOCAL_DIR, { recursive: true });
const portalLog = join(LOCAL_DIR, 'portal.log');

const children = [];
let stopping = false;
/**
 * Stops the portal and the example service and waits (10 s at most, then SIGKILL) until they
 * are gone, so the prompt comes back with the ports free for the next `npm start`.
 */
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  const running = children.filter(
    c => c.exitCode === null && c.signalCode === null,
  );
  const exited = running.map(
    child => new Promise(resolveExit => child.once('exit', resolveExit)),
  );
  const signal = name => {
    for (const child of running) {
      try {
        process.kill(-child.pid, name);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  await Promise.race([
    Promise.all(exited),
    new Promise(r => setTimeout(r, 10_000)),
  ]);
  signal('SIGKILL');
  process.exit(code);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

/** Whether something already listens on localhost:<port>. */
function portInUse(port) {
  return new Promise(resolvePort => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

for (const [port, name, variable] of [
  [APP_PORT, 'the portal app', 'PORTAL_APP_PORT'],
  [BACKEND_PORT, 'the portal backend', 'PORTAL_BACKEND_PORT'],
]) {
  if (await portInUse(port)) {
    console.error(
      `Port ${port} (${name}) is in use by another program: stop it, or choose another port with ${variable}=<port> npm start.`,
    );
    process.exit(1);
  }
}

console.log(`Starting the portal (its output: ${shown(portalLog)})...`);
const portal = spawn(
  process.execPath,
  [
    join(ROOT, 'node_modules/@backstage/cli/bin/backstage-cli'),
    'repo',
    'start',
    ...process.argv.slice(2),
  ],
  {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...portalConfigEnv({ appUrl: APP_URL, backendUrl: BACKEND_URL }),
      APP_CONFIG_scaffolder_fastify_localRepositoryRoot: LOCAL_GIT_ROOT,
    },
  },
);
children.push(portal);
portal.on('exit', code => {
  if (stopping) return;
  console.error(
    `The portal stopped (exit code ${code}); its output is in ${shown(
      portalLog,
    )}.`,
  );
  stopAll(code ?? 1);
});

// Everything the portal prints goes to its log; the terminal gets what a person must see.
const logStream = createWriteStream(portalLog, { flags: 'w' });
for (const stream of [portal.stdout, portal.stderr]) {
  createInterface({ input: stream }).on('line', line => {
    logStream.write(`${stripAnsi(line)}\n`);
    if (isTerminalLine(line)) console.log(line);
  });
}

try {
  await waitForUrl(`${BACKEND_URL}/.backstage/health/v1/readiness`, {
    timeoutMs: 300_000,
  });
  await waitForUrl(APP_URL, { timeoutMs: 300_000 });
} catch (error) {
  console.error(
    `The portal did not come up: ${error.message}. See ${shown(portalLog)}.`,
  );
  stopAll(1);
}
console.log(`The portal is up at ${APP_URL}.`);

const summary = [`Portal:          ${APP_URL}`];
const logs = [`${shown(portalLog)} (portal)`];
if (withExample) {
  const name = EXAMPLE_VALUES.name;
  const serviceLog = join(LOCAL_DIR, `${name}.log`);
  try {
    if (await portInUse(EXAMPLE_VALUES.port)) {
      throw new Error(
        `port ${EXAMPLE_VALUES.port} is in use by another program (EXAMPLE_SERVICE_PORT=<port> chooses another)`,
      );
    }
    const service = await createExampleService({
      backendUrl: BACKEND_URL,
      log: console.log,
    });
    console.log(`Starting ${name} (npm run dev)...`);
    const child = startService(service, { logFile: serviceLog });
    children.push(child);
    await runSyntheticLoad(service, { child, logFile: serviceLog });
    child.once('exit', code =>
      console.error(
        `The example service stopped (exit code ${code}); see ${shown(
          serviceLog,
        )}.`,
      ),
    );
    summary.push(
      `Example service: ${service.url} (a steady 1.5 requests a second keep its Health tab busy)`,
    );
    summary.push(
      `Its Health tab:  ${APP_URL}/catalog/default/component/${name}/health`,
    );
    logs.push(`${shown(serviceLog)} (${name})`);
  } catch (error) {
    console.error(
      `The example service cannot start: ${error.message}\nThe portal runs on without it.`,
    );
    summary.push(`Example service: not running (see above)`);
  }
}
console.log(
  [
    '',
    ...summary,
    `Logs:            ${logs.join(', ')}`,
    'Ctrl+C stops everything.',
    '',
  ].join('\n'),
);
