#!/usr/bin/env node
// Journey benchmarks (issue 8), in one run on this machine, each repeated a few times (median, min, max):
//   1. template task time: POST /api/scaffolder/v2/tasks -> task completed -> entity in the catalog, for a
//      local-publish service (the portal is started here with a temp scaffolder.fastify.localRepositoryRoot);
//   2. the rendered project's `npm install` (warm shared npm cache, --prefer-offline) and `npm test` (all features,
//      PGlite) wall times;
//   3. service start-up to ready (/ready 200): `npm start` after `npm run build` with embedded PGlite and with
//      PostgreSQL (a scratch database per start, dropped afterwards), and `npm run dev` once for reference;
//   4. Health tab API latency with 1,000 catalog services: 1,000 Components (a generated YAML read through a `file`
//      catalog location) annotated to one fake service endpoint set (service-health-poll.mjs --server), measured
//      after the catalog has them all and the poller has covered them twice (so the metrics summary has data).
// Reuses e2e/portal.mjs (startPortal on 3100/7107, guestToken) and scripts/example-service.mjs (runTemplate,
// EXAMPLE_VALUES, startService). Everything runs on 127.0.0.1/localhost; every phase is bounded and
// the whole run is stopped after MAX_SECONDS; everything started here runs in its own process group and is killed
// with it; the temp folder and scratch databases are removed.
//
//   node bench/journey.mjs            # prints a table and, last, a JSON summary ({ rows, notes })
//   REPS (3) template tasks / installs / tests / starts; TEST_REPS (REPS) npm test runs;
//   SERVICES (1000) catalog services; LATENCY_REQUESTS (300) per endpoint per round; LATENCY_ROUNDS (3);
//   LATENCY_CONCURRENCY (4); PORT_WAIT_SECONDS (900): how long to wait for 3100/7107 to be free (e2e runs);
//   ADMIN_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test); MAX_SECONDS (2400).
import { execFile, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BACKEND_URL, ROOT, guestToken, startPortal } from '../e2e/portal.mjs';
import {
  EXAMPLE_VALUES,
  runTemplate,
  startService,
} from '../scripts/example-service.mjs';
import {
  loadAverage,
  median,
  printTable,
  scratchDatabase,
} from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LOOPBACK = '127.0.0.1';
const execFileP = promisify(execFile);
const sleep = ms => new Promise(r => setTimeout(r, ms));

export function options(env = process.env) {
  const reps = Number(env.REPS ?? 3);
  return {
    reps,
    testReps: Number(env.TEST_REPS ?? reps),
    services: Number(env.SERVICES ?? 1000),
    latencyRequests: Number(env.LATENCY_REQUESTS ?? 300),
    latencyRounds: Number(env.LATENCY_ROUNDS ?? 3),
    latencyConcurrency: Number(env.LATENCY_CONCURRENCY ?? 4),
    portWaitSeconds: Number(env.PORT_WAIT_SECONDS ?? 900),
    adminDatabaseUrl:
      env.ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    maxSeconds: Number(env.MAX_SECONDS ?? 2400),
  };
}

const log = message =>
  console.error(
    `[journey ${new Date().toISOString().slice(11, 19)}] ${message}`,
  );

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round1 = v => Math.round(v * 10) / 10;
const seconds = ms => round1(ms / 1000);

/** One table row from repeated measurements (figure = median; min/max/n in the notes). */
function repRow(name, values, unit, note = '', scale = v => v) {
  const v = values.map(scale);
  return {
    name,
    figure: round1(median(v)),
    unit,
    notes: `min ${round1(Math.min(...v))}, max ${round1(Math.max(...v))}, n=${
      v.length
    }${note ? `; ${note}` : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Things started here, so that every exit path stops them.
const groups = new Set(); // pids of process-group leaders (spawned detached)
const cleanups = [];
function killGroups(signal) {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      groups.delete(pid);
    }
  }
}
async function stopGroup(child, graceMs = 10_000) {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    groups.delete(child.pid);
    return;
  }
  const deadline = Date.now() + graceMs;
  while (child.exitCode === null && child.signalCode === null) {
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  try {
    process.kill(-child.pid, 'SIGKILL'); // the rest of the group (npm -> sh -> node)
  } catch {
    /* gone */
  }
  groups.delete(child.pid);
}

/** Runs a command in its own process group with a time limit; resolves with its wall time in ms. */
function timed(cmd, args, { cwd, env, timeoutS = 600, logFile } = {}) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groups.add(child.pid);
    let out = '';
    const keep = chunk => (out = (out + chunk).slice(-6000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      groups.delete(child.pid);
      const ms = performance.now() - started;
      if (logFile) writeFileSync(logFile, out);
      if (code === 0) done(ms);
      else
        fail(
          new Error(
            `${cmd} ${args.join(' ')} in ${cwd}: ${
              signal ? `killed (${signal}, limit ${timeoutS}s)` : `exit ${code}`
            }\n${out.slice(-2500)}`,
          ),
        );
    });
  });
}

function portFree(port) {
  return new Promise(done => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, () => server.close(() => done(true)));
  });
}

async function waitForFreePorts(ports, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let announced = false;
  for (;;) {
    const busy = [];
    for (const p of ports) if (!(await portFree(p))) busy.push(p);
    if (busy.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `ports ${busy.join(
          ', ',
        )} still in use after ${seconds}s (an e2e portal?)`,
      );
    if (!announced)
      log(`ports ${busy.join(', ')} in use (e2e tests?); waiting for them`);
    announced = true;
    await sleep(5000);
  }
}

/** A child answering /svc/<i>/{health,ready,metrics} like the skeleton (service-health-poll.mjs --server). */
async function startFakeServices(count) {
  const child = fork(
    join(here, 'service-health-poll.mjs'),
    ['--server', '--services', String(count)],
    { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  groups.add(child.pid);
  const { port } = await new Promise((done, fail) => {
    child.once('message', done);
    child.once('exit', code => fail(new Error(`fake services exited ${code}`)));
  });
  return { child, port };
}

function servicesYaml(prefix, count, port) {
  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${prefix}-${i}
  annotations:
    service-health.io/base-url: http://${LOOPBACK}:${port}/svc/${i}
    service-health.io/otel-service-name: ${prefix}-${i}
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
`);
  }
  return docs.join('---\n');
}

async function api(token, path, init = {}) {
  const res = await fetch(`${BACKEND_URL}${path}`, {
    ...init,
    signal: AbortSignal.timeout(30_000),
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...init.headers,
    },
  });
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

async function countEntities(token, prefix) {
  const res = await api(
    token,
    `/api/catalog/entities/by-query?filter=kind=component&fields=metadata.name&limit=1&fullTextFilterTerm=${prefix}&fullTextFilterFields=metadata.name`,
  );
  return res.status === 200 ? res.body.totalItems ?? 0 : 0;
}

/** "Polled N service targets in M ms" lines of the portal's log with N >= min (their texts, to count cycles). */
function pollLines(output, min) {
  const found = new Map();
  for (const line of output.split('\n')) {
    const m = /Polled (\d+) service targets in (\d+) ms/.exec(line);
    if (m && Number(m[1]) >= min) found.set(line, Number(m[2]));
  }
  return found;
}

/** Milliseconds per step of the template task that made `name` (from the task's event timestamps). */
async function stepTimes(token, name) {
  const list = await api(
    token,
    '/api/scaffolder/v2/tasks?limit=50&order=desc:created_at',
  );
  const task = (list.body.tasks ?? []).find(
    t => t.spec?.parameters?.name === name,
  );
  if (!task) return {};
  const events = await api(token, `/api/scaffolder/v2/tasks/${task.id}/events`);
  const span = {};
  for (const e of events.body) {
    const id = e.body?.stepId;
    if (!id) continue;
    const t = Date.parse(e.createdAt);
    span[id] ??= [t, t];
    span[id][0] = Math.min(span[id][0], t);
    span[id][1] = Math.max(span[id][1], t);
  }
  return Object.fromEntries(
    Object.entries(span).map(([id, [a, b]]) => [id, b - a]),
  );
}

/** Starts a command in its own group, measures spawn -> /ready 200 (polled every 25 ms), stops it. */
async function startupTime(label, cmd, args, cwd, env, port, logFile) {
  const started = performance.now();
  const child = spawn(cmd, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  groups.add(child.pid);
  return measureReady(label, child, started, port, logFile);
}

async function measureReady(label, child, started, port) {
  try {
    const deadline = started + 120_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${label} exited ${child.exitCode} before ready`);
      try {
        const res = await fetch(`http://${LOOPBACK}:${port}/ready`, {
          signal: AbortSignal.timeout(2000),
        });
        if (res.status === 200) {
          const ms = performance.now() - started;
          const body = await res.json();
          return {
            ms,
            database: body.checks?.['postgres:connection']?.[0]?.output,
          };
        }
      } catch {
        /* not up yet */
      }
      if (performance.now() > deadline)
        throw new Error(`${label}: /ready not 200 within 120 s`);
      await sleep(25);
    }
  } finally {
    await stopGroup(child);
  }
}

/** Sends `count` GETs at `concurrency`; returns sorted latencies (ms) and status tallies. */
async function latency(urls, token, count, concurrency) {
  const times = [];
  const statuses = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const url = urls[next++ % urls.length];
        const t0 = performance.now();
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(30_000),
        });
        const body = await res.json().catch(() => ({}));
        times.push(performance.now() - t0);
        const key = `${res.status}${
          body.source ? ` ${body.source.status}` : ''
        }`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
  return { sorted: times.sort((a, b) => a - b), statuses };
}

// ---------------------------------------------------------------------------------------------------------------

export async function runJourney(opts = options()) {
  const rows = [];
  const notes = [];
  const tmp = mkdtempSync(join(tmpdir(), 'bench-journey-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const repos = join(tmp, 'repos');
  const work = join(tmp, 'work');
  mkdirSync(repos);
  mkdirSync(work);
  const prefix = `bench-svc-${process.pid}`;
  notes.push(`load average at start ${loadAverage()}`);

  let portal;
  try {
    // ---- the portal, with 1,000 annotated services in its catalog --------------------------------------------
    const fake = await startFakeServices(opts.services);
    cleanups.push(() => stopGroup(fake.child, 2000));
    writeFileSync(
      join(tmp, 'services.yaml'),
      servicesYaml(prefix, opts.services, fake.port),
    );
    writeFileSync(
      join(tmp, 'app-config.bench.yaml'),
      `# bench/journey.mjs (temp)
scaffolder:
  fastify:
    localRepositoryRoot: ${repos}
catalog:
  locations:
    - type: file
      target: ${join(ROOT, 'catalog-info.yaml')}
    - type: file
      target: ${join(tmp, 'services.yaml')}
`,
    );
    await waitForFreePorts([3100, 7107], opts.portWaitSeconds);
    log('starting the portal (3100/7107)');
    const portalStarted = performance.now();
    portal = await startPortal({
      // startPortal joins the path onto the repository root.
      extraConfig: [relative(ROOT, join(tmp, 'app-config.bench.yaml'))],
    });
    cleanups.push(() => portal.stop());
    if (/EADDRINUSE/.test(portal.output()))
      throw new Error('the portal could not listen (port in use)');
    const portalReadyMs = performance.now() - portalStarted;
    const token = await guestToken();

    log(`waiting for ${opts.services} catalog services`);
    let inCatalog = 0;
    const ingestDeadline = portalStarted + 600_000;
    while ((inCatalog = await countEntities(token, prefix)) < opts.services) {
      if (performance.now() > ingestDeadline)
        throw new Error(
          `only ${inCatalog} of ${opts.services} services in the catalog after 10 minutes`,
        );
      await sleep(500);
    }
    const ingestMs = performance.now() - portalStarted;
    rows.push({
      name: 'portal start (backend ready + app dev server)',
      figure: seconds(portalReadyMs),
      unit: 's',
      notes: 'backstage-cli repo start, n=1',
    });
    rows.push({
      name: `catalog ingest of ${opts.services} services (file location)`,
      figure: seconds(ingestMs),
      unit: 's',
      notes: 'from portal start until all are in the catalog, n=1',
    });

    // ---- 1. template tasks ------------------------------------------------------------------------------------
    const taskMs = [];
    const registeredMs = [];
    const clones = [];
    const steps = [];
    for (let i = 0; i < opts.reps; i++) {
      const name = `bench-journey-${process.pid}-${i}`;
      const values = {
        ...EXAMPLE_VALUES,
        name,
        description: 'Benchmark journey service',
        port: 18190 + i,
        publishTarget: 'local',
      };
      log(`template task ${i + 1}/${opts.reps} (${name})`);
      const t0 = performance.now();
      let registered;
      const watcher = (async () => {
        while (performance.now() - t0 < 300_000) {
          const found = await api(
            token,
            `/api/catalog/entities/by-name/component/default/${name}`,
          ).catch(() => ({ status: 0 }));
          if (found.status === 200) {
            registered = performance.now() - t0;
            return;
          }
          await sleep(100);
        }
      })();
      const output = await runTemplate({
        backendUrl: BACKEND_URL,
        token,
        values,
      });
      taskMs.push(performance.now() - t0);
      await watcher;
      if (registered === undefined)
        throw new Error(`${name} not in the catalog 5 minutes after the POST`);
      registeredMs.push(registered);
      steps.push(await stepTimes(token, name).catch(() => ({})));
      clones.push({
        name,
        port: values.port,
        remote:
          output.links?.find(l => l.title === 'Repository')?.url ??
          join(repos, `${name}.git`),
      });
    }
    rows.push(
      repRow(
        'template task: POST -> task completed',
        taskMs,
        's',
        `all features, local publish; status polled every 500 ms (runTemplate); median step s: ${Object.keys(
          steps[0] ?? {},
        )
          .map(
            id => `${id} ${round1(median(steps.map(s => s[id] ?? 0)) / 1000)}`,
          )
          .join(', ')}`,
        v => v / 1000,
      ),
    );
    rows.push(
      repRow(
        'template task: POST -> entity in catalog',
        registeredMs,
        's',
        'catalog polled every 100 ms',
        v => v / 1000,
      ),
    );

    // ---- 2. npm install / npm test of the rendered project ----------------------------------------------------
    const cleanEnv = { ...process.env };
    for (const key of [
      'DATABASE_URL',
      'REDIS_URL',
      'NODE_ENV',
      'PORT',
      'BENCH_PINNED',
    ])
      delete cleanEnv[key];
    const installMs = [];
    for (const clone of clones) {
      clone.dir = join(work, clone.name);
      await execFileP('git', ['clone', '--quiet', clone.remote, clone.dir], {
        timeout: 60_000,
      });
      log(`npm install in ${clone.name}`);
      installMs.push(
        await timed(
          'npm',
          ['install', '--no-audit', '--no-fund', '--prefer-offline'],
          { cwd: clone.dir, env: cleanEnv, timeoutS: 600 },
        ),
      );
    }
    rows.push(
      repRow(
        'rendered project: npm install',
        installMs,
        's',
        'warm shared npm cache, --prefer-offline, with its lockfile',
        v => v / 1000,
      ),
    );
    const testMs = [];
    for (let i = 0; i < opts.testReps; i++) {
      const clone = clones[i % clones.length];
      log(`npm test in ${clone.name}`);
      testMs.push(
        await timed('npm', ['test'], {
          cwd: clone.dir,
          env: cleanEnv,
          timeoutS: 900,
          logFile: join(tmp, `test-${i}.log`),
        }),
      );
    }
    rows.push(
      repRow(
        'rendered project: npm test',
        testMs,
        's',
        'all features, PGlite, in-process event bus',
        v => v / 1000,
      ),
    );

    // ---- 3. start-up to ready ---------------------------------------------------------------------------------
    const svc = clones[0];
    log(`npm run build in ${svc.name}`);
    const buildMs = await timed('npm', ['run', 'build'], {
      cwd: svc.dir,
      env: cleanEnv,
      timeoutS: 300,
    });
    rows.push({
      name: 'rendered project: npm run build',
      figure: seconds(buildMs),
      unit: 's',
      notes: 'tsc, n=1',
    });
    const prodEnv = extra => ({
      ...cleanEnv,
      NODE_ENV: 'production',
      HOST: LOOPBACK,
      PORT: String(svc.port),
      LOG_LEVEL: 'info',
      MIGRATE_ON_START: 'true',
      SHUTDOWN_DRAIN_MS: '0',
      AUTH_JWT_SECRET: 'bench-journey-secret-0123456789abcdef0123456789',
      OTEL_EXPORTER_OTLP_ENDPOINT: `${BACKEND_URL}/api/service-health/otlp`,
      ...extra,
    });
    for (const [label, withPostgres] of [
      ['embedded PGlite (in memory)', false],
      ['PostgreSQL', true],
    ]) {
      const times = [];
      let database;
      for (let i = 0; i < opts.reps; i++) {
        const scratch = withPostgres
          ? await scratchDatabase(
              svc.dir,
              opts.adminDatabaseUrl,
              `bench_journey_${process.pid}_${i}`,
            )
          : undefined;
        if (scratch) cleanups.push(scratch.drop);
        try {
          const r = await startupTime(
            `npm start (${label})`,
            'npm',
            ['start'],
            svc.dir,
            prodEnv(scratch ? { DATABASE_URL: scratch.url } : {}),
            svc.port,
          );
          times.push(r.ms);
          database = r.database;
        } finally {
          await scratch?.drop();
        }
      }
      rows.push(
        repRow(
          `service start-up to /ready: npm start, ${label}`,
          times,
          'ms',
          `NODE_ENV=production, migrations on start${
            withPostgres ? ' (fresh scratch database each time)' : ''
          }, /ready says ${database}`,
        ),
      );
    }
    {
      log('npm run dev once');
      const started = performance.now();
      const child = startService(
        { dir: svc.dir, port: svc.port },
        { env: { ...cleanEnv, HOST: LOOPBACK, PGLITE_DATA_DIR: '' } },
      );
      groups.add(child.pid);
      const r = await measureReady('npm run dev', child, started, svc.port);
      rows.push({
        name: 'service start-up to /ready: npm run dev (reference)',
        figure: Math.round(r.ms),
        unit: 'ms',
        notes: `TypeScript from src/ (type stripping), --watch, n=1, /ready says ${r.database}`,
      });
    }

    // ---- 4. Health tab API latency with 1,000 services --------------------------------------------------------
    log('waiting for two poll cycles over all services');
    const pollDeadline = performance.now() + 180_000;
    let cycles;
    while ((cycles = pollLines(portal.output(), opts.services)).size < 2) {
      if (performance.now() > pollDeadline)
        throw new Error(
          `the poller did not cover ${opts.services} services twice in 3 minutes`,
        );
      await sleep(1000);
    }
    const cycleMs = [...cycles.values()];
    rows.push(
      repRow(
        `portal poll cycle over ${opts.services}+ services`,
        cycleMs,
        'ms',
        'health + ready + metrics scrape per service, from the portal log',
      ),
    );
    const names = Array.from(
      { length: opts.services },
      (_, i) => `${prefix}-${i}`,
    );
    const pick = () => names[Math.floor(Math.random() * names.length)];
    const base = `${BACKEND_URL}/api/service-health/entities/component/default`;
    for (const [label, path] of [
      ['health', 'health'],
      ['metrics/summary', 'metrics/summary'],
    ]) {
      const p = { 50: [], 95: [], 99: [] };
      const statuses = {};
      for (let r = 0; r < opts.latencyRounds; r++) {
        const urls = Array.from(
          { length: opts.latencyRequests },
          () => `${base}/${pick()}/${path}`,
        );
        const result = await latency(
          urls,
          token,
          opts.latencyRequests,
          opts.latencyConcurrency,
        );
        for (const q of [50, 95, 99]) p[q].push(percentile(result.sorted, q));
        for (const [k, v] of Object.entries(result.statuses))
          statuses[k] = (statuses[k] ?? 0) + v;
      }
      const tally = Object.entries(statuses)
        .map(([k, v]) => `${k} x${v}`)
        .join(', ');
      for (const q of [50, 95, 99]) {
        rows.push(
          repRow(
            `Health tab API GET .../${label} p${q}`,
            p[q],
            'ms',
            q === 50
              ? `${opts.services} services, random entity, ${opts.latencyRequests} requests x ${opts.latencyRounds} rounds, concurrency ${opts.latencyConcurrency}, guest token; answers: ${tally}`
              : 'median/min/max over rounds',
          ),
        );
      }
    }
    notes.push(`load average at end ${loadAverage()}`);
    return { rows, notes };
  } catch (error) {
    if (portal) {
      writeFileSync(
        join(tmpdir(), `bench-journey-portal-${process.pid}.log`),
        portal.output(),
      );
      error.message += ` (portal log tail: ${join(
        tmpdir(),
        `bench-journey-portal-${process.pid}.log`,
      )})`;
    }
    throw error;
  } finally {
    await cleanup();
  }
}

async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (error) {
      log(`cleanup: ${error.message}`);
    }
  }
  killGroups('SIGKILL');
}

export { printTable };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opts = options();
  const watchdog = setTimeout(() => {
    log(`over ${opts.maxSeconds}s: stopping everything`);
    killGroups('SIGKILL');
    cleanup().finally(() => process.exit(1));
  }, opts.maxSeconds * 1000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => {
      killGroups('SIGKILL');
      cleanup().finally(() => process.exit(1));
    });
  try {
    const { rows, notes } = await runJourney(opts);
    printTable(rows);
    console.log(`\n${notes.join('\n')}`);
    console.log(JSON.stringify({ rows, notes }, null, 2));
  } catch (error) {
    console.error(error.stack ?? error);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
  }
}
