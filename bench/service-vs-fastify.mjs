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
//   VERBOSE=1 ...                               # also print every round
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { renderSkeleton } from './lib/render.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LOOPBACK = '127.0.0.1';

export function options(env = process.env) {
  return {
    duration: Number(env.DURATION ?? 5),
    rounds: Number(env.ROUNDS ?? 5),
    connections: Number(env.CONNECTIONS ?? 100),
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    sampler: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
    samplerArg: env.OTEL_TRACES_SAMPLER_ARG ?? '',
    dir: env.BENCH_DIR,
    profile: env.PROFILE,
    verbose: env.VERBOSE === '1',
    maxSeconds: Number(env.MAX_SECONDS ?? 1800),
  };
}

const haveTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

function sh(cmd, args, cwd, timeoutS = 600) {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], timeout: timeoutS * 1000 });
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
    req.on('data', (chunk) => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((done) => server.listen(0, LOOPBACK, () => done({ server, port: server.address().port, stats })));
}

function startServer(name, args, cwd, env, logFile) {
  const out = logFile ? openSync(logFile, 'w') : 'ignore';
  const command = haveTaskset ? 'taskset' : process.execPath;
  const argv = haveTaskset ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', out, out] });
  child.name = name;
  return child;
}

async function waitFor(url, headers = {}) {
  for (let i = 0; i < 150; i++) {
    try {
      const response = await fetch(url, { headers });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

function load(url, connections, duration, headers) {
  return new Promise((done, fail) => {
    autocannon({ url, connections, duration, pipelining: 1, headers }, (err, result) => (err ? fail(err) : done(result)));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function stop(child) {
  return new Promise((done) => {
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
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub: 'bench',
    iss: 'http://localhost/dev-issuer',
    aud: audience,
    roles: ['items:write', 'items:read'],
    iat: now,
    exp: now + 3600,
  })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/**
 * Runs the comparison and returns { rows, summary }: rows are one per target with median req/s, p50 and p99
 * over the rounds; summary holds the per-round ratios.
 */
export async function runServiceVsFastify(opts = options()) {
  const dir = await prepareService(opts.dir);
  const packageName = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  const withAuth = existsSync(join(dir, 'dist', 'auth'));
  const secret = randomBytes(32).toString('hex');
  const headers = withAuth ? { authorization: `Bearer ${devToken(secret, packageName)}` } : {};
  const sink = await startOtlpSink();
  const servicePort = 18080;
  const barePort = 18081;
  const nodeArgs = ['--import', './dist/telemetry.js'];
  if (opts.profile) nodeArgs.unshift('--cpu-prof', `--cpu-prof-dir=${opts.profile}`);
  const service = startServer(
    'service',
    [...nodeArgs, 'dist/server.js'],
    dir,
    {
      NODE_ENV: 'production',
      HOST: LOOPBACK,
      PORT: String(servicePort),
      LOG_LEVEL: 'info',
      DATABASE_URL: opts.databaseUrl,
      MIGRATE_ON_START: 'true',
      SHUTDOWN_DRAIN_MS: '0',
      // The limiter stays on (its per-request cost is part of the service) but must not refuse the load.
      RATE_LIMIT_MAX: '1000000000',
      AUTH_JWT_SECRET: secret,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${LOOPBACK}:${sink.port}`,
      OTEL_TRACES_SAMPLER: opts.sampler,
      ...(opts.samplerArg ? { OTEL_TRACES_SAMPLER_ARG: opts.samplerArg } : {}),
    },
    join(dir, 'service.log'),
  );
  const bare = startServer('bare', [join(here, 'bare-fastify.mjs')], here, { PORT: String(barePort) });
  const watchdog = setTimeout(() => {
    console.error(`benchmark exceeded ${opts.maxSeconds}s, stopping`);
    service.kill('SIGKILL');
    bare.kill('SIGKILL');
    process.exit(1);
  }, opts.maxSeconds * 1000);
  watchdog.unref();
  try {
    await waitFor(`http://${LOOPBACK}:${servicePort}/ready`);
    await waitFor(`http://${LOOPBACK}:${barePort}/v1/info`);

    const created = await fetch(`http://${LOOPBACK}:${servicePort}/v1/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ sku: `BENCH-${Date.now()}`, name: 'bench', priceCents: 1 }),
    });
    if (created.status !== 201) throw new Error(`POST /v1/items: ${created.status} ${await created.text()}`);
    const item = await created.json();

    const targets = {
      'bare Fastify GET /v1/info': `http://${LOOPBACK}:${barePort}/v1/info`,
      'service GET /v1/info': `http://${LOOPBACK}:${servicePort}/v1/info`,
      'service GET /v1/items/:id (PostgreSQL)': `http://${LOOPBACK}:${servicePort}/v1/items/${item.id}`,
    };
    // Warm up the JIT and the pools.
    for (const url of Object.values(targets)) await load(url, opts.connections, 2, headers);

    const results = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
    for (let round = 1; round <= opts.rounds; round++) {
      for (const [name, url] of Object.entries(targets)) {
        const r = await load(url, opts.connections, opts.duration, headers);
        results[name].push(r);
        if (opts.verbose) {
          console.error(
            `round ${round} ${name}: ${Math.round(r.requests.average)} req/s p50 ${r.latency.p50} ms p99 ${r.latency.p99} ms` +
              ` errors ${r.errors + r.non2xx}`,
          );
        }
      }
    }
    const [bareName, infoName, itemsName] = Object.keys(targets);
    const ratios = results[infoName].map((r, i) => r.requests.average / results[bareName][i].requests.average);
    const rows = Object.entries(results).map(([name, rs]) => ({
      benchmark: 'service-vs-fastify',
      target: name,
      'req/s': Math.round(median(rs.map((r) => r.requests.average))),
      'p50 ms': median(rs.map((r) => r.latency.p50)),
      'p99 ms': median(rs.map((r) => r.latency.p99)),
      errors: rs.reduce((s, r) => s + r.errors + r.non2xx + r.timeouts, 0),
      'vs bare': name === bareName ? 1 : name === infoName ? Number(median(ratios).toFixed(2)) : '',
    }));
    const p99 = median(results[itemsName].map((r) => r.latency.p99));
    const summary = {
      ratio: median(ratios),
      ratios,
      itemsP99: p99,
      note:
        `sampler=${opts.sampler}${opts.samplerArg ? `(${opts.samplerArg})` : ''}, ${opts.connections} connections, ` +
        `${opts.rounds} interleaved rounds of ${opts.duration}s, pinned=${haveTaskset}, auth=${withAuth ? 'on (bearer token)' : 'off'}; ` +
        `ratio per round ${ratios.map((r) => r.toFixed(2)).join(' ')} (target >= 0.60); items p99 ${p99} ms (target < 20); ` +
        `OTLP exports ${sink.stats.requests} (${Math.round(sink.stats.bytes / 1024)} KiB); log ${join(dir, 'service.log')}`,
    };
    return { rows, summary };
  } finally {
    clearTimeout(watchdog);
    await Promise.all([stop(service), stop(bare)]);
    sink.server.close();
  }
}

export function printTable(rows) {
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values) =>
    values.map((v, i) => (typeof rows[0][columns[i]] === 'number' || i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

async function main() {
  const opts = options();
  const { rows, summary } = await runServiceVsFastify(opts);
  printTable(rows);
  console.log(`\n${summary.note}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Pin the load generator to CPU 1 (re-exec once); the servers go to CPU 0.
  if (haveTaskset && process.env.BENCH_PINNED !== '1') {
    const child = spawn('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_PINNED: '1' },
    });
    child.on('exit', (code) => process.exit(code ?? 1));
  } else {
    await main();
  }
}
