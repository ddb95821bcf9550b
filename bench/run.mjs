#!/usr/bin/env node
// Runs the benchmarks in bench/ and prints ONE table:
//   - service-vs-fastify.mjs: bare Fastify hello vs the rendered service's GET /v1/info (ratio) and its
//     GET /v1/items/:id on PostgreSQL (p99), interleaved rounds on loopback;
//   - service-health-poll.mjs: one poll cycle of the service-health plugin over simulated services.
// Every benchmark is bounded (durations, a watchdog per benchmark) and stops by itself; everything is on 127.0.0.1.
//
//   npm run bench                        # from the repository root (needs `npm install` in bench/ once)
//   ONLY_BENCH=service-vs-fastify npm run bench
//   Environment of service-vs-fastify.mjs applies (DURATION, ROUNDS, CONNECTIONS, BENCH_DIR, BASELINE_DIR, ...);
//   POLL_SERVICES (default 500), POLL_CYCLES (default 3) size the poller benchmark.
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.env.ONLY_BENCH;

const haveTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

/** Runs a node script with a hard time limit; resolves with its stdout. */
function runScript(script, args, timeoutS, cwd) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', chunk => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
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
    benchmark: 'service-health-poll',
    target: `poll cycle, ${r.services} services, concurrency ${r.concurrency}`,
    'req/s': Math.round((3 * r.services * 1000) / r.medianCycleMs),
    'p50 ms': r.medianCycleMs,
    'p99 ms': r.maxCycleMs,
    'CPU us/req': '',
    errors: '',
    'req/s vs bare': '',
    'CPU/req: bare / this': '',
    note: `cycle median/max ms; peak RSS ${r.peakRssMb} MB`,
  }));
}

async function main() {
  const { options, printTable, runServiceVsFastify } = await import(
    './service-vs-fastify.mjs'
  );
  const rows = [];
  const notes = [];
  if (!only || only === 'service-vs-fastify') {
    try {
      const { rows: r, summary } = await runServiceVsFastify(options());
      rows.push(...r.map(row => ({ ...row, note: '' })));
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
  if (rows.length > 0) printTable(rows);
  console.log(`\n${notes.join('\n')}`);
  if (notes.some(n => n.includes('FAILED'))) process.exitCode = 1;
}

// The load generators run on CPU 1; service-vs-fastify pins its servers to CPU 0.
if (haveTaskset && process.env.BENCH_PINNED !== '1') {
  const child = spawn(
    'taskset',
    ['-c', '1', process.execPath, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_PINNED: '1' },
    },
  );
  child.on('exit', code => process.exit(code ?? 1));
} else {
  await main();
}
