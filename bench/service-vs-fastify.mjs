#!/usr/bin/env node
// Rendered service vs bare Fastify on the same route (GET /v1/info), in one run, plus the service's
// GET /v1/items/:id against PostgreSQL. Renders skeleton/ for the sample values (bench/lib/render.mjs) into a
// temp folder, installs and builds it, starts both servers on loopback (pinned to CPU 0 with taskset when there
// is one), drives them with autocannon (pinned to CPU 1) in short interleaved rounds, prints one table and the
// ratio, and stops by itself (every phase is bounded; the whole run is killed after MAX_SECONDS).
//
//   node service-vs-fastify.mjs                 # DURATION=5 ROUNDS=5 CONNECTIONS=100 DATABASE_URL=postgres://...
//   BENCH_DIR=/tmp/x node service-vs-fastify.mjs   # reuse a rendered+built service (render+build if missing)
//   PROFILE=/tmp/prof node service-vs-fastify.mjs  # also write a --cpu-prof of the service to that folder
//   BASELINE_DIR=/tmp/old node service-vs-fastify.mjs  # also measure another build in the same rounds
//   VERBOSE=1 ...                               # also print every round
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  haveTaskset,
  loadAverage,
  median,
  pinnedToCpu1,
  printTable as printRows,
  scratchDatabase,
} from './lib/common.mjs';
import { openLoop } from './lib/openloop.mjs';
import { renderSkeleton } from './lib/render.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LOOPBACK = '127.0.0.1';

export function options(env = process.env) {
  return {
    duration: Number(env.DURATION ?? 5),
    rounds: Number(env.ROUNDS ?? 5),
    connections: Number(env.CONNECTIONS ?? 100),
    // Unset: a fresh database bench_<pid> is created next to ADMIN_DATABASE_URL's and dropped afterwards.
    databaseUrl: env.DATABASE_URL,
    adminDatabaseUrl:
      env.ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    sampler: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
    samplerArg: env.OTEL_TRACES_SAMPLER_ARG ?? '',
    dir: env.BENCH_DIR,
    /** Also GET /v1/items/:id at this fixed rate (open loop, lib/openloop.mjs, up to CONNECTIONS sockets). */
    itemsRate: Number(env.ITEMS_RATE ?? 1000),
    // Another rendered+built service (e.g. before a change) measured in the same rounds, for before/after.
    baselineDir: env.BASELINE_DIR,
    profile: env.PROFILE,
    /** Extra environment for the service(s), e.g. { DB_POOL_MAX: '20' } (SERVICE_ENV='{"DB_POOL_MAX":"20"}'). */
    serviceEnv: env.SERVICE_ENV ? JSON.parse(env.SERVICE_ENV) : {},
    /** Extra environment for the baseline only; BASELINE_DIR defaults to the service's own build when this is set. */
    baselineEnv: env.BASELINE_ENV ? JSON.parse(env.BASELINE_ENV) : undefined,
    verbose: env.VERBOSE === '1',
    /** Only the targets matching this regular expression (plus bare Fastify), e.g. ONLY='service GET /v1/info'. */
    only: env.ONLY ? new RegExp(env.ONLY) : undefined,
    maxSeconds: Number(env.MAX_SECONDS ?? 1800),
    /** The Express peer (express-peer.cjs) in the same rounds; EXPRESS=0 leaves it out. */
    express: env.EXPRESS !== '0',
  };
}

function sh(cmd, args, cwd, timeoutS = 600) {
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: timeoutS * 1000,
  });
}

async function prepareService(dir) {
  dir ??= mkdtempSync(join(tmpdir(), 'bench-service-'));
  if (!existsSync(join(dir, 'dist', 'server.js'))) {
    console.error(`rendering and building the skeleton in ${dir} ...`);
    const result = await renderSkeleton(dir);
    if (result.warning) console.error(result.warning);
    sh('npm', ['install', '--no-audit', '--no-fund'], dir);
    sh('npm', ['run', 'build'], dir);
  }
  return dir;
}

/** A sink for OTLP/HTTP trace exports, so spans really are serialised and sent (loopback only). */
function startOtlpSink() {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', chunk => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise(done =>
    server.listen(0, LOOPBACK, () =>
      done({ server, port: server.address().port, stats }),
    ),
  );
}

/** Resident set size of a process in MiB, from /proc (Linux); NaN elsewhere. */
function rssMiB(pid) {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(
      /^VmRSS:\s+(\d+) kB/m,
    );
    return kb ? Math.round(Number(kb[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

function startServer(name, args, cwd, env, logFile) {
  const out = logFile ? openSync(logFile, 'w') : 'ignore';
  const command = haveTaskset() ? 'taskset' : process.execPath;
  const argv = haveTaskset() ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', out, out],
  });
  child.name = name;
  return child;
}

async function waitFor(url, headers = {}) {
  // Up to a minute: start-up takes 20 s and more when the shared machine is busy.
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(url, { headers });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

function load(url, connections, duration, headers) {
  return new Promise((done, fail) => {
    autocannon(
      { url, connections, duration, pipelining: 1, headers },
      (err, result) => (err ? fail(err) : done(result)),
    );
  });
}

/**
 * One measurement as { reqPerSec, p50, p99, max (ms), errors, completed, sent? }: closed loop with autocannon,
 * or open loop at `rate` req/s (lib/openloop.mjs; requests still outstanding 2 s after the end count as errors).
 */
async function measure(url, connections, duration, headers, rate) {
  if (rate) {
    const r = await openLoop({ url, rate, duration, connections, headers });
    return {
      reqPerSec: r.reqPerSec,
      ...r.latency,
      errors: r.errors + r.timeouts,
      completed: r.completed,
      sent: r.sent,
      sendLagP99: r.sendLagP99,
    };
  }
  const r = await load(url, connections, duration, headers);
  return {
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors + r.non2xx + r.timeouts,
    completed: r.requests.total,
  };
}

/** The `some avg10` of /proc/pressure/cpu (% of the last 10 s some task waited for a CPU); NaN without PSI. */
function cpuPressure() {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').match(
      /^some avg10=([\d.]+)/m,
    );
    return some ? Number(some[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

function stop(child) {
  return new Promise(done => {
    if (child.exitCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** HS256 token for the skeleton's development auth (only used when the render kept the auth feature). */
function devToken(secret, audience) {
  const b64 = value => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub: 'bench',
    iss: 'http://localhost/dev-issuer',
    aud: audience,
    roles: ['items:write', 'items:read'],
    iat: now,
    exp: now + 3600,
  })}`;
  return `${body}.${createHmac('sha256', secret)
    .update(body)
    .digest('base64url')}`;
}

/**
 * Runs the comparison and returns { rows, summary }: rows are one per target with median req/s, p50 and p99
 * over the rounds; summary holds the per-round ratios.
 */
export async function runServiceVsFastify(opts = options()) {
  const dir = await prepareService(opts.dir);
  // A temp build made here is removed afterwards unless KEEP_DIR=1 (BENCH_DIR builds are kept for reuse).
  const removeDir = !opts.dir && process.env.KEEP_DIR !== '1';
  const packageName = JSON.parse(
    readFileSync(join(dir, 'package.json'), 'utf8'),
  ).name;
  const withAuth = existsSync(join(dir, 'dist', 'auth'));
  const secret = randomBytes(32).toString('hex');
  const headers = withAuth
    ? { authorization: `Bearer ${devToken(secret, packageName)}` }
    : {};
  const scratch = opts.databaseUrl
    ? undefined
    : // a throwaway database: the shared one may hold another feature set's migrations
      await scratchDatabase(dir, opts.adminDatabaseUrl, `bench_${process.pid}`);
  const databaseUrl = opts.databaseUrl ?? scratch.url;
  const sink = await startOtlpSink();
  const servicePort = 18080;
  const barePort = 18081;
  const nodeArgs = ['--import', './dist/telemetry.js'];
  if (opts.profile)
    nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${opts.profile}`);
  if (opts.baselineEnv && !opts.baselineDir)
    opts = { ...opts, baselineDir: dir };
  const serviceEnv = (port, url, extra = {}) => ({
    NODE_ENV: 'production',
    HOST: LOOPBACK,
    PORT: String(port),
    LOG_LEVEL: 'info',
    DATABASE_URL: url,
    MIGRATE_ON_START: 'true',
    SHUTDOWN_DRAIN_MS: '0',
    // The limiter stays on (its per-request cost is part of the service) but must not refuse the load.
    RATE_LIMIT_MAX: '1000000000',
    AUTH_JWT_SECRET: secret,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${LOOPBACK}:${sink.port}`,
    OTEL_TRACES_SAMPLER: opts.sampler,
    ...(opts.samplerArg ? { OTEL_TRACES_SAMPLER_ARG: opts.samplerArg } : {}),
    ...opts.serviceEnv,
    ...extra,
  });
  const service = startServer(
    'service',
    [...nodeArgs, 'dist/server.js'],
    dir,
    serviceEnv(servicePort, databaseUrl),
    join(dir, 'service.log'),
  );
  const baselinePort = 18082;
  const baselineScratch = opts.baselineDir
    ? await scratchDatabase(
        opts.baselineDir,
        opts.adminDatabaseUrl,
        `bench_${process.pid}b`,
      )
    : undefined;
  const baseline = opts.baselineDir
    ? startServer(
        'baseline',
        ['--import', './dist/telemetry.js', 'dist/server.js'],
        opts.baselineDir,
        serviceEnv(baselinePort, baselineScratch.url, opts.baselineEnv),
        join(
          opts.baselineDir,
          opts.baselineDir === dir ? 'baseline.log' : 'service.log',
        ),
      )
    : undefined;
  const bare = startServer('bare', [join(here, 'bare-fastify.mjs')], here, {
    PORT: String(barePort),
    DATABASE_URL: databaseUrl,
  });
  // The Express peer (express-peer.cjs): auto-instrumentations + OTLP to the same sink, at the same sampler.
  const expressPort = 18083;
  const express = opts.express
    ? startServer(
        'express',
        ['--require', './express-telemetry.cjs', 'express-peer.cjs'],
        here,
        {
          NODE_ENV: 'production',
          PORT: String(expressPort),
          DATABASE_URL: databaseUrl,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${LOOPBACK}:${sink.port}`,
          OTEL_TRACES_SAMPLER: opts.sampler,
          ...(opts.samplerArg
            ? { OTEL_TRACES_SAMPLER_ARG: opts.samplerArg }
            : {}),
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
        },
        join(dir, 'express.log'),
      )
    : undefined;
  const watchdog = setTimeout(() => {
    console.error(`benchmark exceeded ${opts.maxSeconds}s, stopping`);
    for (const child of [service, bare, baseline, express])
      child?.kill('SIGKILL');
    process.exit(1);
  }, opts.maxSeconds * 1000);
  watchdog.unref();
  try {
    await waitFor(`http://${LOOPBACK}:${servicePort}/ready`);
    await waitFor(`http://${LOOPBACK}:${barePort}/v1/info`);
    if (baseline) await waitFor(`http://${LOOPBACK}:${baselinePort}/ready`);
    if (express) await waitFor(`http://${LOOPBACK}:${expressPort}/v1/info`);
    // RSS after start-up (ready, before any load) and, below, after the last round.
    const rssStart = new Map(
      [service, bare, baseline, express]
        .filter(Boolean)
        .map(child => [child, rssMiB(child.pid)]),
    );
    // The service must be on PostgreSQL, not on the embedded PGlite fallback.
    const ready = await (
      await fetch(`http://${LOOPBACK}:${servicePort}/ready`)
    ).json();
    const database = ready.checks?.['postgres:connection']?.[0]?.output;
    if (database !== 'postgres')
      throw new Error(`service database is ${database}, expected postgres`);

    const createItem = async port => {
      const created = await fetch(`http://${LOOPBACK}:${port}/v1/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          sku: `BENCH-${Date.now()}`,
          name: 'bench',
          priceCents: 1,
        }),
      });
      if (created.status !== 201)
        throw new Error(
          `POST /v1/items: ${created.status} ${await created.text()}`,
        );
      return (await created.json()).id;
    };

    const serverOf = url =>
      url.includes(`:${barePort}/`)
        ? bare
        : url.includes(`:${baselinePort}/`)
        ? baseline
        : url.includes(`:${expressPort}/`)
        ? express
        : service;
    // The service creates the item; the peers read the same row from the same database.
    const itemId = await createItem(servicePort);
    const targets = {
      'bare Fastify GET /v1/info': `http://${LOOPBACK}:${barePort}/v1/info`,
      'bare Fastify GET /v1/items/:id (PostgreSQL)': `http://${LOOPBACK}:${barePort}/v1/items/${itemId}`,
      'service GET /v1/info': `http://${LOOPBACK}:${servicePort}/v1/info`,
      'service GET /v1/items/:id (PostgreSQL)': `http://${LOOPBACK}:${servicePort}/v1/items/${itemId}`,
    };
    if (express) {
      targets[
        'Express GET /v1/info'
      ] = `http://${LOOPBACK}:${expressPort}/v1/info`;
      targets[
        'Express GET /v1/items/:id (PostgreSQL)'
      ] = `http://${LOOPBACK}:${expressPort}/v1/items/${itemId}`;
    }
    if (opts.itemsRate > 0) {
      targets[`service GET /v1/items/:id @ ${opts.itemsRate} req/s`] =
        targets['service GET /v1/items/:id (PostgreSQL)'];
    }
    if (baseline) {
      targets[
        'baseline GET /v1/info'
      ] = `http://${LOOPBACK}:${baselinePort}/v1/info`;
      targets[
        'baseline GET /v1/items/:id (PostgreSQL)'
      ] = `http://${LOOPBACK}:${baselinePort}/v1/items/${await createItem(
        baselinePort,
      )}`;
    }
    if (opts.only) {
      for (const name of Object.keys(targets))
        if (!name.startsWith('bare Fastify ') && !opts.only.test(name))
          delete targets[name];
    }
    // Warm up the JIT and the pools.
    for (const url of new Set(Object.values(targets)))
      await load(url, opts.connections, 2, headers);

    const results = Object.fromEntries(Object.keys(targets).map(k => [k, []]));
    const pressures = [];
    const loadBefore = loadAverage();
    for (let round = 1; round <= opts.rounds; round++) {
      for (const [name, url] of Object.entries(targets)) {
        const pid = serverOf(url).pid;
        const cpuBefore = cpuSeconds(pid);
        const rate = name.includes(' @ ') ? opts.itemsRate : undefined;
        const r = await measure(
          url,
          opts.connections,
          opts.duration,
          headers,
          rate,
        );
        const cpuAfter = cpuSeconds(pid);
        // CPU time per request is far less sensitive to other load on the machine than req/s.
        r.cpuUsPerRequest =
          cpuBefore === undefined || cpuAfter === undefined
            ? NaN
            : ((cpuAfter - cpuBefore) * 1e6) / r.completed;
        results[name].push(r);
        if (opts.verbose) {
          console.error(
            `round ${round} ${name}: ${Math.round(r.reqPerSec)} req/s p50 ${
              r.p50
            } ms p99 ${r.p99} ms max ${r.max} ms` +
              (r.sent === undefined
                ? ''
                : ` sent ${r.sent} completed ${r.completed} send lag p99 ${r.sendLagP99} ms`) +
              ` errors ${r.errors} cpu ${Math.round(r.cpuUsPerRequest)} us/req`,
          );
        }
      }
      pressures.push(cpuPressure());
      if (opts.verbose)
        console.error(
          `round ${round}: cpu pressure (some avg10) ${pressures.at(-1)} %`,
        );
    }
    const rssEnd = new Map(
      [service, bare, baseline, express]
        .filter(Boolean)
        .map(child => [child, rssMiB(child.pid)]),
    );
    const bareName = 'bare Fastify GET /v1/info';
    const infoName = 'service GET /v1/info';
    const itemsName = 'service GET /v1/items/:id (PostgreSQL)';
    // Each target is compared with bare Fastify (and the Express peer) on the same route.
    const routeOf = name => (name.includes('/v1/info') ? 'info' : 'items');
    const peerName = (peer, name) =>
      routeOf(name) === 'info'
        ? `${peer} GET /v1/info`
        : `${peer} GET /v1/items/:id (PostgreSQL)`;
    const ratioOf = name => {
      const bareRounds = results[peerName('bare Fastify', name)];
      return results[name].map((r, i) => r.reqPerSec / bareRounds[i].reqPerSec);
    };
    const ratios = results[infoName] ? ratioOf(infoName) : [];
    const cpuOf = name => median(results[name].map(r => r.cpuUsPerRequest));
    const cpuRatio = (peer, name) =>
      results[peerName(peer, name)]
        ? Number((cpuOf(peerName(peer, name)) / cpuOf(name)).toFixed(2))
        : '';
    const rows = Object.entries(results).map(([name, rs]) => {
      const child = serverOf(targets[name]);
      return {
        benchmark: 'service-vs-fastify',
        target: name,
        'req/s': Math.round(median(rs.map(r => r.reqPerSec))),
        'p50 ms': median(rs.map(r => r.p50)),
        'p99 ms': median(rs.map(r => r.p99)),
        'max ms': median(rs.map(r => r.max)),
        'CPU us/req': Math.round(cpuOf(name)),
        errors: rs.reduce((s, r) => s + r.errors, 0),
        'req/s vs bare': name.startsWith('bare Fastify ')
          ? 1
          : name.includes(' @ ')
          ? ''
          : Number(median(ratioOf(name)).toFixed(2)),
        'CPU/req: bare / this': name.startsWith('bare Fastify ')
          ? 1
          : cpuRatio('bare Fastify', name),
        'CPU/req: Express / this':
          name.startsWith('service ') || name.startsWith('baseline ')
            ? cpuRatio('Express', name)
            : '',
        'RSS start MiB': rssStart.get(child),
        'RSS end MiB': rssEnd.get(child),
      };
    });
    const p99 = results[itemsName]
      ? median(results[itemsName].map(r => r.p99))
      : NaN;
    const ratedName = `service GET /v1/items/:id @ ${opts.itemsRate} req/s`;
    const rated = results[ratedName] ?? [];
    const ratedP99 = rated.length ? median(rated.map(r => r.p99)) : NaN;
    const sum = key => rated.reduce((s, r) => s + r[key], 0);
    const summary = {
      ratio: median(ratios),
      ratios,
      itemsP99: p99,
      note:
        `sampler=${opts.sampler}${
          opts.samplerArg ? `(${opts.samplerArg})` : ''
        }, ${opts.connections} connections, ` +
        `${opts.rounds} interleaved rounds of ${
          opts.duration
        }s, pinned=${haveTaskset()}, auth=${
          withAuth ? 'on (bearer token)' : 'off'
        }; ` +
        `ratio per round ${ratios
          .map(r => r.toFixed(2))
          .join(
            ' ',
          )} (target >= 0.60); items p99 ${p99} ms at full load, ${ratedP99} ms at ${
          opts.itemsRate
        } req/s open loop (target < 20${
          rated.length
            ? `; sent ${sum('sent')}, completed ${sum(
                'completed',
              )}, errors+timeouts ${sum('errors')}, send lag p99 ${median(
                rated.map(r => r.sendLagP99),
              )} ms`
            : ''
        }); cpu pressure some avg10 median ${median(pressures)} % ` +
        `load average ${loadBefore} before the rounds, ${loadAverage()} after; ` +
        `(per round ${pressures.join(' ')}); ` +
        `OTLP exports ${sink.stats.requests} (${Math.round(
          sink.stats.bytes / 1024,
        )} KiB); ${
          removeDir
            ? 'temp build removed (KEEP_DIR=1 keeps it)'
            : `log ${join(dir, 'service.log')}`
        }`,
    };
    return { rows, summary };
  } finally {
    clearTimeout(watchdog);
    await Promise.all(
      [service, bare, baseline, express].filter(Boolean).map(stop),
    );
    sink.server.close();
    await scratch?.drop();
    await baselineScratch?.drop();
    if (removeDir) rmSync(dir, { recursive: true, force: true });
  }
}

export function printTable(rows) {
  printRows(rows, {
    alignRight: c => !['benchmark', 'target', 'note'].includes(c),
  });
}

async function main() {
  const opts = options();
  const { rows, summary } = await runServiceVsFastify(opts);
  printTable(rows);
  console.log(`\n${summary.note}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Pin the load generator to CPU 1 (re-exec once); the servers go to CPU 0.
  await pinnedToCpu1(main);
}
