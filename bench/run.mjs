#!/usr/bin/env node
// Runs the benchmarks in bench/ and prints ONE table (name, figure, unit, notes):
//   - service-vs-fastify.mjs: bare Fastify hello vs the rendered service's GET /v1/info (ratio) and its
//     GET /v1/items/:id on PostgreSQL (p99), interleaved rounds on loopback;
//   - service-health-poll.mjs: one poll cycle of the service-health plugin over simulated services;
//   - journey.mjs: template task time, the rendered project's npm install / npm test, service start-up to ready
//     (PGlite, PostgreSQL, npm run dev) and the Health tab API latency with 1,000 catalog services (starts the
//     portal on 3100/7107, so it waits while an e2e run holds those ports).
// Every benchmark is bounded (durations, a watchdog per benchmark) and stops by itself; everything is on 127.0.0.1.
//
//   npm run bench                        # from the repository root (needs `npm install` in bench/ once)
//   ONLY_BENCH=service-vs-fastify npm run bench
//   Environment of service-vs-fastify.mjs applies (DURATION, ROUNDS, CONNECTIONS, BENCH_DIR, BASELINE_DIR, ...);
//   POLL_SERVICES (default 500), POLL_CYCLES (default 3) size the poller benchmark;
//   STATUS_SERVICES (default 1000) sizes catalog-status.mjs (PostgreSQL too when DATABASE_URL is set);
//   environment of journey.mjs applies too (REPS, TEST_REPS, SERVICES, LATENCY_*, PORT_WAIT_SECONDS).
import { spawn } from 'node:child_process';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  haveTaskset,
  loadAverage,
  pinnedToCpu1,
  printTable,
} from './lib/common.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.env.ONLY_BENCH;

/** Runs a node script with a hard time limit; resolves with its stdout. */
function runScript(script, args, timeoutS, cwd, prefix = []) {
  return new Promise((done, fail) => {
    const argv = [...prefix, process.execPath, script, ...args];
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', chunk => (out += chunk));
    let kill;
    const timer = setTimeout(() => {
      // SIGTERM first: the script stops what it started; SIGKILL if it does not exit.
      child.kill('SIGTERM');
      kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    }, timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(kill);
      if (code === 0) done(out);
      else
        fail(
          new Error(
            `${script} ${
              signal
                ? `killed (${signal}, over ${timeoutS}s)`
                : `exited ${code}`
            }`,
          ),
        );
    });
  });
}

async function pollerRows() {
  const services = process.env.POLL_SERVICES ?? '500';
  const out = await runScript(
    join(here, 'service-health-poll.mjs'),
    [
      '--services',
      services,
      '--cycles',
      process.env.POLL_CYCLES ?? '3',
      '--concurrency',
      '16,64',
    ],
    600,
    join(here, '..'),
  );
  const summary = JSON.parse(out.slice(out.lastIndexOf('\n{') + 1));
  return summary.results.map(r => ({
    name: `service-health-poll: poll cycle, ${r.services} services, concurrency ${r.concurrency}`,
    figure: r.medianCycleMs,
    unit: 'ms',
    notes: `min ${r.minCycleMs}, max ${r.maxCycleMs}, n=${
      r.cycles
    }; ${Math.round(
      (3 * r.services * 1000) / r.medianCycleMs,
    )} req/s (3 per service); peak RSS ${r.peakRssMb} MB`,
  }));
}

async function catalogStatusRows() {
  const pg = process.env.DATABASE_URL;
  const out = await runScript(
    join(here, 'catalog-status.mjs'),
    [
      '--services',
      process.env.STATUS_SERVICES ?? '1000',
      ...(pg ? ['--pg', pg] : []),
    ],
    900,
    join(here, '..'),
  );
  const summary = JSON.parse(out.slice(out.lastIndexOf('\n{') + 1));
  return summary.results.map(r => ({
    name: `catalog-status: POST /status, ${r.services} entities, ${r.database}`,
    figure: r.p95Ms,
    unit: 'ms p95',
    notes: `p50 ${r.p50Ms}, max ${r.maxMs}, n=${r.rounds}; ${r.probeRows} probe rows; probe queries ${r.medianStandingsQueryMs} ms, sample queries ${r.medianSamplesQueryMs} ms; catalog read not included`,
  }));
}

/** service-vs-fastify's rows (one per target, several columns) as name/figure/unit/notes rows. */
function serviceVsFastifyRows(rows) {
  const out = [];
  for (const r of rows) {
    const name = `service-vs-fastify: ${r.target}`;
    const cpu = `CPU ${r['CPU us/req']} us/req, errors ${r.errors}, RSS ${r['RSS start MiB']} MiB after start, ${r['RSS end MiB']} MiB after load`;
    if (r.target.includes(' @ ')) {
      out.push({
        name: `${name} p99`,
        figure: r['p99 ms'],
        unit: 'ms',
        notes: `fixed rate; p50 ${r['p50 ms']} ms, ${r['req/s']} req/s, ${cpu}`,
      });
      continue;
    }
    out.push({
      name,
      figure: r['req/s'],
      unit: 'req/s',
      notes: `median of rounds; p50 ${r['p50 ms']} ms, p99 ${r['p99 ms']} ms, ${cpu}`,
    });
    if (r.target.startsWith('service GET /v1/items'))
      out.push({
        name: `${name} p99`,
        figure: r['p99 ms'],
        unit: 'ms',
        notes: 'full load (100 connections), median of rounds',
      });
    if (r['req/s vs bare'] !== '' && r['req/s vs bare'] !== 1)
      out.push({
        name: `service-vs-fastify: ${r.target} / bare Fastify`,
        figure: r['req/s vs bare'],
        unit: 'ratio',
        notes: `req/s ratio, median of per-round ratios; CPU/req bare/this ${r['CPU/req: bare / this']}`,
      });
    if (r['CPU/req: bare / this'] !== '' && r['CPU/req: bare / this'] !== 1)
      out.push({
        name: `service-vs-fastify: ${r.target} CPU/req, bare Fastify / this`,
        figure: r['CPU/req: bare / this'],
        unit: 'ratio',
        notes: `CPU time per request, medians over rounds (target >= 0.6 info, >= 0.75 items)${
          r['CPU/req: Express / this'] === ''
            ? ''
            : `; Express peer / this ${r['CPU/req: Express / this']} (target >= 5)`
        }`,
      });
  }
  return out;
}

async function journeyRows() {
  // run.mjs pins itself to CPU 1 for the load generators; the journey (portal, npm, services) gets every CPU.
  const prefix = haveTaskset()
    ? ['taskset', '-c', `0-${cpus().length - 1}`]
    : [];
  const maxSeconds = Number(process.env.MAX_SECONDS ?? 2400);
  const out = await runScript(
    join(here, 'journey.mjs'),
    [],
    maxSeconds + 60,
    join(here, '..'),
    prefix,
  );
  const summary = JSON.parse(out.slice(out.lastIndexOf('\n{') + 1));
  return {
    rows: summary.rows.map(r => ({ ...r, name: `journey: ${r.name}` })),
    notes: summary.notes,
  };
}

function machine() {
  const gb = b => (b / 1024 ** 3).toFixed(1);
  return `${new Date().toISOString()}; nproc ${cpus().length} (${
    cpus()[0]?.model ?? '?'
  }), memory ${gb(totalmem())} GB (${gb(freemem())} GB free), node ${
    process.version
  }, load average ${loadAverage()}`;
}

async function main() {
  const { options, runServiceVsFastify } = await import(
    './service-vs-fastify.mjs'
  );
  const rows = [];
  const notes = [`start: ${machine()}`];
  if (!only || only === 'service-vs-fastify') {
    try {
      const { rows: r, summary } = await runServiceVsFastify(options());
      // The three-way table (bare Fastify, the service, the Express peer; both routes) as measured.
      const { printTable: printThreeWay } = await import(
        './service-vs-fastify.mjs'
      );
      console.log('service-vs-fastify (interleaved rounds):');
      printThreeWay(r);
      console.log(`${summary.note}\n`);
      rows.push(...serviceVsFastifyRows(r));
      notes.push(`service-vs-fastify: ${summary.note}`);
    } catch (error) {
      notes.push(`service-vs-fastify FAILED: ${error.message}`);
    }
  }
  if (!only || only === 'service-health-poll') {
    try {
      rows.push(...(await pollerRows()));
      notes.push(
        'service-health-poll: req/s = 3 HTTP requests per service per cycle / median cycle time',
      );
    } catch (error) {
      notes.push(`service-health-poll FAILED: ${error.message}`);
    }
  }
  if (!only || only === 'catalog-status') {
    try {
      rows.push(...(await catalogStatusRows()));
    } catch (error) {
      notes.push(`catalog-status FAILED: ${error.message}`);
    }
  }
  if (!only || only === 'journey') {
    try {
      const { rows: r, notes: n } = await journeyRows();
      rows.push(...r);
      notes.push(...n.map(line => `journey: ${line}`));
    } catch (error) {
      notes.push(`journey FAILED: ${error.message}`);
    }
  }
  notes.push(`end: ${machine()}`);
  if (rows.length > 0)
    printTable(rows, { columns: ['name', 'figure', 'unit', 'notes'] });
  console.log(`\n${notes.join('\n')}`);
  if (notes.some(n => n.includes('FAILED'))) process.exitCode = 1;
}

// The load generators run on CPU 1; service-vs-fastify pins its servers to CPU 0.
await pinnedToCpu1(main);
