#!/usr/bin/env node
/*
 * Benchmark of the direct scrape's /metrics parse (the service-health plugin's
 * metrics/exposition.ts) on a 100k-series body, in two shapes:
 *   - "skipped": 100k short series of families the plugin does not read
 *     (~2.4 MB, the case: a service exposing a high-cardinality metric);
 *   - "kept": 100k lines of the request histogram (every line parsed; run with
 *     a sample limit above 100k, the default of 20,000 would refuse it).
 * For each: the parse's wall time, and how long the event loop was blocked at
 * most while it ran (perf_hooks.monitorEventLoopDelay, 1 ms resolution; plus a
 * 1 ms ping timer's worst lateness), which is what other API requests of the
 * backend wait at most. Median over --rounds.
 *
 * Usage: node bench/service-health-scrape.mjs [--rounds 5]
 * Prints one line per shape and a JSON summary.
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '5' } },
});

const require = createRequire(
  new URL('../plugins/service-health-backend/package.json', import.meta.url),
);
require('@backstage/cli/config/nodeTransform.cjs');
const { parseExposition } = require('./src/metrics/exposition.ts');

const SERIES = 100_000;

function skippedBody() {
  const lines = [];
  for (let i = 0; i < SERIES; i++) lines.push(`user_seen{id="${i}"} 1`);
  return `${lines.join('\n')}\n`;
}

function keptBody() {
  const les = [
    '0.005',
    '0.01',
    '0.025',
    '0.05',
    '0.1',
    '0.25',
    '0.5',
    '1',
    '+Inf',
  ];
  const lines = [];
  for (let r = 0; lines.length < SERIES; r++) {
    const labels = `method="GET",route="/r/${r}",status_code="200"`;
    les.forEach((le, i) =>
      lines.push(
        `http_request_duration_seconds_bucket{le="${le}",${labels}} ${i}`,
      ),
    );
    lines.push(`http_request_duration_seconds_sum{${labels}} 0.5`);
    lines.push(`http_request_duration_seconds_count{${labels}} ${les.length}`);
  }
  return `${lines.join('\n')}\n`;
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = x => Math.round(x * 10) / 10;

async function measure(body) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let worstPing = 0;
  const ping = setInterval(() => {
    const now = performance.now();
    worstPing = Math.max(worstPing, now - last - 1);
    last = now;
  }, 1);
  histogram.enable();
  const started = performance.now();
  const out = await parseExposition(body, { sampleLimit: 10 * SERIES });
  const ms = performance.now() - started;
  histogram.disable();
  clearInterval(ping);
  return {
    ms,
    maxBlockedMs: histogram.max / 1e6,
    worstPingLateMs: worstPing,
    kept: out.samples,
  };
}

const results = [];
for (const [shape, body] of [
  ['skipped', skippedBody()],
  ['kept', keptBody()],
]) {
  const runs = [];
  for (let i = 0; i < Number(args.rounds); i++) runs.push(await measure(body));
  const row = {
    shape,
    series: SERIES,
    bytes: Buffer.byteLength(body),
    keptSamples: runs[0].kept,
    parseMs: round1(median(runs.map(r => r.ms))),
    maxBlockedMs: round1(median(runs.map(r => r.maxBlockedMs))),
    worstPingLateMs: round1(median(runs.map(r => r.worstPingLateMs))),
  };
  results.push(row);
  console.log(
    `${shape}: ${row.series} series, ${(row.bytes / 1048576).toFixed(1)} MB, ` +
      `${row.keptSamples} kept; parse ${row.parseMs} ms, event loop blocked at most ` +
      `${row.maxBlockedMs} ms (1 ms timer late by at most ${row.worstPingLateMs} ms)`,
  );
}
console.log(JSON.stringify({ date: new Date().toISOString(), results }));
