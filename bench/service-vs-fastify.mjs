#!/usr/bin/env node
// Rendered service vs bare Fastify on the same hello-style route, in one run, plus the service's
// GET /v1/items/:id against PostgreSQL. Renders skeleton/ with scripts/render-skeleton-naive.mjs into a temp
// folder, installs and builds it, starts both servers on loopback (pinned to CPU 0 with taskset when there is
// one), drives them with autocannon (pinned to CPU 1), prints a table and the ratio, and stops by itself.
//
//   node service-vs-fastify.mjs            # DURATION=10 ROUNDS=2 CONNECTIONS=100 DATABASE_URL=postgres://...
//   BENCH_DIR=/tmp/x node service-vs-fastify.mjs   # reuse a rendered+built service
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
// Short interleaved rounds: this machine is shared, so the ratio is taken per round (same minute for both
// servers) and the median over rounds is reported.
const DURATION = Number(process.env.DURATION ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 100);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SAMPLER = process.env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
const SAMPLER_ARG = process.env.OTEL_TRACES_SAMPLER_ARG ?? '';
const haveTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

// Pin the load generator to CPU 1 (re-exec once), the servers to CPU 0.
if (haveTaskset && process.env.BENCH_PINNED !== '1') {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main();
}

function sh(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

function prepareService() {
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'bench-service-'));
  if (!existsSync(join(dir, 'dist', 'server.js'))) {
    console.log(`rendering and building the skeleton in ${dir} ...`);
    sh(process.execPath, [resolve(here, '..', 'scripts', 'render-skeleton-naive.mjs'), dir]);
    sh('npm', ['install', '--no-audit', '--no-fund'], dir);
    sh('npm', ['run', 'build'], dir);
  }
  return dir;
}

/** A sink for OTLP/HTTP trace exports, so spans really are serialised and sent. */
function startOtlpSink() {
  let spans = 0;
  const server = createServer((req, res) => {
    let size = 0;
    req.on('data', (chunk) => (size += chunk.length));
    req.on('end', () => {
      spans += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, port: server.address().port, exports: () => spans })),
  );
}

function startServer(name, args, cwd, env, logFile) {
  const out = logFile ? openSync(logFile, 'w') : 'ignore';
  const command = haveTaskset ? 'taskset' : process.execPath;
  const argv = haveTaskset ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', out, out] });
  child.name = name;
  return child;
}

async function waitFor(url) {
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

function load(url, duration = DURATION) {
  return new Promise((done, fail) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1 }, (err, result) =>
      err ? fail(err) : done(result),
    );
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function stop(child) {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.on('exit', done);
    child.kill('SIGTERM');
  });
}

async function main() {
  const dir = prepareService();
  const sink = await startOtlpSink();
  const servicePort = 18080;
  const barePort = 18081;
  const service = startServer(
    'service',
    ['--import', './dist/telemetry.js', 'dist/server.js'],
    dir,
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(servicePort),
      LOG_LEVEL: 'info',
      DATABASE_URL,
      MIGRATE_ON_START: 'true',
      SHUTDOWN_DRAIN_MS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
      OTEL_TRACES_SAMPLER: SAMPLER,
      ...(SAMPLER_ARG ? { OTEL_TRACES_SAMPLER_ARG: SAMPLER_ARG } : {}),
    },
    join(dir, 'service.log'),
  );
  const bare = startServer('bare', [join(here, 'bare-fastify.mjs')], here, { PORT: String(barePort) });
  const rows = [];
  try {
    await waitFor(`http://127.0.0.1:${servicePort}/ready`);
    await waitFor(`http://127.0.0.1:${barePort}/v1/info`);

    const created = await fetch(`http://127.0.0.1:${servicePort}/v1/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `BENCH-${Date.now()}`, name: 'bench', priceCents: 1 }),
    }).then((r) => r.json());

    const targets = {
      bare: `http://127.0.0.1:${barePort}/v1/info`,
      service: `http://127.0.0.1:${servicePort}/v1/info`,
      'service items/:id': `http://127.0.0.1:${servicePort}/v1/items/${created.id}`,
    };
    // Warm up the JIT and the pools.
    for (const url of Object.values(targets)) await load(url, 3);

    const totals = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, url] of Object.entries(targets)) {
        const r = await load(url);
        totals[name].push(r);
        rows.push({
          round,
          target: name,
          'req/s': Math.round(r.requests.average),
          'p50 ms': r.latency.p50,
          'p99 ms': r.latency.p99,
          errors: r.errors + r.non2xx,
        });
      }
    }
    console.table(rows);
    const mean = (name, f) => totals[name].reduce((s, r) => s + f(r), 0) / totals[name].length;
    const bareRps = mean('bare', (r) => r.requests.average);
    const serviceRps = mean('service', (r) => r.requests.average);
    const itemsP99 = median(totals['service items/:id'].map((r) => r.latency.p99));
    const ratios = totals.service.map((r, i) => r.requests.average / totals.bare[i].requests.average);
    console.log(
      `\nsampler=${SAMPLER}${SAMPLER_ARG ? `(${SAMPLER_ARG})` : ''} connections=${CONNECTIONS} duration=${DURATION}s x ${ROUNDS} rounds, pinned=${haveTaskset}`,
    );
    console.log(`bare Fastify      ${Math.round(bareRps)} req/s`);
    console.log(`service /v1/info  ${Math.round(serviceRps)} req/s`);
    console.log(`ratio service/bare per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`ratio service/bare = ${median(ratios).toFixed(2)} median, ${(serviceRps / bareRps).toFixed(2)} of means (target >= 0.60)`);
    console.log(`GET /v1/items/:id (PostgreSQL) p99 = ${itemsP99} ms median over rounds (target < 20 ms), ${Math.round(mean('service items/:id', (r) => r.requests.average))} req/s`);
    console.log(`OTLP exports received: ${sink.exports()}; service log: ${join(dir, 'service.log')}`);
  } finally {
    await Promise.all([stop(service), stop(bare)]);
    sink.server.close();
  }
}
