// The example service of the local portal, made the way a developer makes one: the Fastify
// template runs through the scaffolder's HTTP API, publishes a local git repository and
// registers it; then the repository is cloned, installed and started with `npm run dev`.
// Used by scripts/start.mjs (`npm start`) and the browser journey test.
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const sleep = ms => new Promise(r => setTimeout(r, ms));

/**
 * Where `npm start` keeps its working copies and logs (`.local/`), and the local git root the
 * portal publishes to (`.local-git/`, the backend's scaffolder.fastify.localRepositoryRoot).
 * LOCAL_DIR / LOCAL_GIT_ROOT move them, e.g. for a test beside a developer's `npm start`.
 */
export const LOCAL_DIR = process.env.LOCAL_DIR ?? join(ROOT, '.local');
export const LOCAL_GIT_ROOT =
  process.env.LOCAL_GIT_ROOT ?? join(ROOT, '.local-git');

/**
 * Written (inside the clone's .git, so `git status` stays clean) only after `npm install`
 * finished: an interrupted install has none.
 */
const INSTALLED_MARKER = join('.git', 'npm-start-installed');

export const EXAMPLE_VALUES = {
  name: 'example-service',
  description:
    'The local portal example: items with PostgreSQL, events and JWT auth.',
  owner: 'group:default/team-a',
  system: 'system:default/fastify-service-platform',
  lifecycle: 'experimental',
  database: 'postgres',
  events: 'redis-streams',
  auth: 'jwt',
  port: Number(process.env.EXAMPLE_SERVICE_PORT ?? 8090),
  publishTarget: 'local',
};

/**
 * Polls `check` every `intervalMs` until it returns something truthy, and returns that. A throw
 * counts as "not yet"; after `timeoutMs` it fails naming `what` and the last error.
 */
export async function waitUntil(check, { timeoutMs, what, intervalMs = 1000 }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `Timed out after ${timeoutMs / 1000} s waiting for ${what}${
      last ? `: ${last.message}` : ''
    }`,
  );
}

/** Waits until `url` answers `isReady` (default: a 2xx); returns that response. */
export function waitForUrl(
  url,
  { timeoutMs = 180_000, intervalMs = 1000, isReady = res => res.ok } = {},
) {
  return waitUntil(
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (await isReady(res)) return res;
      throw new Error(`HTTP ${res.status}`);
    },
    { timeoutMs, intervalMs, what: url },
  );
}

async function guestToken(backendUrl) {
  const res = await fetch(`${backendUrl}/api/auth/guest/refresh`);
  if (!res.ok) throw new Error(`guest sign-in answered ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}

async function api(backendUrl, token, path, init = {}) {
  const res = await fetch(`${backendUrl}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...init.headers,
    },
  });
  const body = res.headers.get('content-type')?.includes('json')
    ? await res.json()
    : await res.text();
  return { status: res.status, body };
}

/** Runs a template (the Fastify one by default) through the scaffolder API and waits for the task; returns its output. */
export async function runTemplate({
  backendUrl,
  token,
  values,
  templateRef = 'template:default/fastify-service',
}) {
  const created = await api(backendUrl, token, '/api/scaffolder/v2/tasks', {
    method: 'POST',
    body: JSON.stringify({ templateRef, values }),
  });
  if (created.status !== 201) {
    throw new Error(
      `scaffolder refused the task (${created.status}): ${JSON.stringify(
        created.body,
      )}`,
    );
  }
  const id = created.body.id;
  for (let i = 0; i < 600; i++) {
    const task = await api(backendUrl, token, `/api/scaffolder/v2/tasks/${id}`);
    if (task.body.status === 'completed') {
      const events = await api(
        backendUrl,
        token,
        `/api/scaffolder/v2/tasks/${id}/events`,
      );
      return events.body.find(e => e.type === 'completion')?.body.output ?? {};
    }
    if (task.body.status === 'failed' || task.body.status === 'cancelled') {
      const events = await api(
        backendUrl,
        token,
        `/api/scaffolder/v2/tasks/${id}/events`,
      );
      const log = events.body
        .filter(e => e.type === 'log')
        .map(e => e.body.message)
        .slice(-15)
        .join('\n');
      throw new Error(`template task ${task.body.status}:\n${log}`);
    }
    await sleep(500);
  }
  throw new Error(`template task ${id} did not finish in 5 minutes`);
}

/**
 * Makes sure the example service exists: through the template the first time, from its
 * existing local repository after that (the local catalog lives in memory, so it is
 * registered again). Clones and installs it into .local/<name>.
 */
export async function createExampleService({
  backendUrl,
  values = EXAMPLE_VALUES,
  log = () => {},
}) {
  await waitForUrl(`${backendUrl}/.backstage/health/v1/readiness`);
  const token = await guestToken(backendUrl);
  const bareRepo = join(LOCAL_GIT_ROOT, `${values.name}.git`);
  const dir = join(LOCAL_DIR, values.name);

  if (!existsSync(bareRepo)) {
    // The backend answers before the catalog has read the template's location.
    await waitUntil(
      async () =>
        (
          await api(
            backendUrl,
            token,
            '/api/catalog/entities/by-name/template/default/fastify-service',
          )
        ).status === 200,
      {
        timeoutMs: 180_000,
        what: 'the catalog to list the fastify-service template',
      },
    );
    log(`Creating ${values.name} from the Fastify service template...`);
    await runTemplate({ backendUrl, token, values });
  } else {
    const found = await api(
      backendUrl,
      token,
      `/api/catalog/entities/by-name/component/default/${values.name}`,
    );
    if (found.status === 404) {
      const target = `file://${bareRepo}/blob/main/catalog-info.yaml`;
      const added = await api(backendUrl, token, '/api/catalog/locations', {
        method: 'POST',
        body: JSON.stringify({ type: 'local-git', target }),
      });
      if (added.status >= 400 && added.status !== 409) {
        throw new Error(
          `could not register ${target}: ${JSON.stringify(added.body)}`,
        );
      }
    }
  }

  await cloneAndInstall({ bareRepo, dir, name: values.name, log });
  return {
    name: values.name,
    dir,
    port: values.port,
    url: `http://localhost:${values.port}`,
  };
}

/**
 * Clones the example's repository into `dir` and runs `npm install` there, unless an earlier run
 * finished both: the marker file is written only after `npm install` succeeded, so a run that
 * was interrupted (Ctrl+C during the install) or failed starts over from a fresh clone instead of
 * running a half-installed service. npm's output goes to `<LOCAL_DIR>/<name>-install.log`.
 */
export async function cloneAndInstall({ bareRepo, dir, name, log = () => {} }) {
  const marker = join(dir, INSTALLED_MARKER);
  if (existsSync(marker)) return;
  mkdirSync(LOCAL_DIR, { recursive: true });
  if (existsSync(dir)) {
    log(
      `The last install of ${name} did not finish (interrupted or failed): installing it again.`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
  await exec('git', ['clone', '--quiet', bareRepo, dir]);
  const installLog = join(LOCAL_DIR, `${name}-install.log`);
  log(
    `Installing ${name} (npm install, about a minute; log: ${installLog})...`,
  );
  const out = openSync(installLog, 'w');
  const code = await new Promise(resolveExit => {
    const child = spawn(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: dir, stdio: ['ignore', out, out] },
    );
    child.on('exit', (exitCode, signal) => resolveExit(signal ?? exitCode));
    child.on('error', () => resolveExit('spawn error'));
  });
  if (code !== 0) {
    const tail = readFileSync(installLog, 'utf8')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    throw new Error(
      `npm install of ${name} failed (${code}): ${tail} (full output: ${installLog})`,
    );
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

/** `npm run dev` in the service's folder; the template pointed its trace exporter at this portal. */
export function startService(service, { env = {}, logFile } = {}) {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  return spawn('npm', ['run', 'dev'], {
    cwd: service.dir,
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      PORT: String(service.port),
      ...env,
    },
  });
}

/** The last lines of a log that say what went wrong (npm's own trailer lines skipped). */
function lastErrorLines(logFile) {
  if (!logFile || !existsSync(logFile)) return '';
  const lines = readFileSync(logFile, 'utf8')
    .split('\n')
    .map(l => l.trim())
    .filter(
      l =>
        l &&
        !/^npm (error|ERR!) (A complete log|code|path|command|signal|errno)/.test(
          l,
        ),
    );
  const errors = lines.filter(l =>
    /error|cannot|not found|EADDRINUSE/i.test(l),
  );
  return (errors.length ? errors : lines).slice(-2).join(' | ');
}

/**
 * Waits until the service answers /health. Fails at once, with the reason from its log, when
 * `child` (its `npm run dev`) exits first; after 120 s otherwise.
 */
async function waitForService(service, { child, logFile } = {}) {
  const exited = new Promise((_, reject) => {
    child?.once('exit', code =>
      reject(
        new Error(
          `npm run dev of ${service.name} exited (code ${code}): ${
            lastErrorLines(logFile) || 'no output'
          }${logFile ? ` (log: ${logFile})` : ''}`,
        ),
      ),
    );
  });
  exited.catch(() => {});
  try {
    await Promise.race([
      waitForUrl(`${service.url}/health`, { timeoutMs: 120_000 }),
      exited,
    ]);
  } catch (error) {
    const reason = lastErrorLines(logFile);
    throw reason && !error.message.includes(reason)
      ? new Error(`${error.message}; its log says: ${reason}`)
      : error;
  }
}

/**
 * A development token from the service's own `npm run token` (scripts/token.ts), when it has
 * auth. Writes need the `items:write` role (src/routes/v1/items); reads need any valid token.
 */
export async function mintToken(service) {
  if (!existsSync(join(service.dir, 'scripts', 'token.ts'))) return undefined; // auth: none
  const { stdout } = await exec(
    'npm',
    ['run', '--silent', 'token', '--', '--roles', 'items:write'],
    {
      cwd: service.dir,
    },
  );
  const token = stdout.trim().split('\n').pop();
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token ?? '')) {
    throw new Error(`npm run token printed no token: ${stdout}`);
  }
  return token;
}

/**
 * A small steady load: creates, reads, lists and sometimes asks for something missing, so the
 * Health tab has rates, latencies, a few 404s and traces. The default rate (1.5 a second, 90 a
 * minute) stays under the service's default rate limit (RATE_LIMIT_MAX=100 per minute and
 * client IP), so the load shows no 429s. Returns a function that stops it.
 */
export async function runSyntheticLoad(
  service,
  { log = () => {}, perSecond = 1.5, child, logFile } = {},
) {
  await waitForService(service, { child, logFile });
  const token = await mintToken(service);
  const headers = {
    'content-type': 'application/json',
    ...(token && { authorization: `Bearer ${token}` }),
  };
  const ids = [];
  let n = 0;
  const tick = async () => {
    n += 1;
    try {
      if (n % 5 === 1) {
        const res = await fetch(`${service.url}/v1/items`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            sku: `SKU-${Date.now()}-${n}`,
            name: `Item ${n}`,
            priceCents: 100 + (n % 900),
          }),
        });
        if (res.ok) ids.push((await res.json()).id);
        if (ids.length > 200) ids.shift();
      } else if (n % 5 === 2) {
        await fetch(`${service.url}/v1/items?limit=20`, { headers });
      } else if (n % 17 === 0) {
        await fetch(
          `${service.url}/v1/items/0190a000-0000-7000-8000-000000000000`,
          { headers },
        );
      } else if (ids.length) {
        await fetch(`${service.url}/v1/items/${ids[n % ids.length]}`, {
          headers,
        });
      } else {
        await fetch(`${service.url}/v1/info`, { headers });
      }
    } catch {
      /* the service may be restarting (npm run dev watches files) */
    }
  };
  const timer = setInterval(tick, Math.round(1000 / perSecond));
  timer.unref?.();
  log(`Synthetic load: ${perSecond} requests a second against ${service.url}`);
  return () => clearInterval(timer);
}
