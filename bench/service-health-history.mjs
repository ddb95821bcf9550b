#!/usr/bin/env node
/*
 * How big the service-health probe history gets at N services (default
 * 1,000) with the default retention (probes every 30 s; raw probes for 6 h,
 * 1-hour buckets for 7 days), in the local default database (SQLite in
 * memory). Fills it through the plugin's own HealthStore: --hours of cycles
 * of N probes each (insert + compaction, as the scheduled poll does), then
 * the buckets of the rest of the 7 days written directly (the same rows the
 * compaction writes). Prints the row counts and the database's size (SQLite
 * page_count x page_size) and the process RSS.
 *
 * Usage: node bench/service-health-history.mjs [--services 1000] [--hours 6.5]
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    hours: { type: 'string', default: '6.5' },
  },
});
const require = createRequire(
  new URL('../plugins/service-health-backend/package.json', import.meta.url),
);
require('@backstage/cli/config/nodeTransform.cjs');
const { HealthStore } = require('./src/database/stores.ts');
const knexFactory = require('knex');

const SERVICES = Number(args.services);
const INTERVAL_MS = 30_000;
const RETENTION = { rawHours: 6, rollupMinutes: 60, retentionDays: 7 };
const knex = knexFactory({
  client: 'better-sqlite3',
  connection: ':memory:',
  useNullAsDefault: true,
});
await knex.migrate.latest({
  directory: fileURLToPath(
    new URL('../plugins/service-health-backend/migrations', import.meta.url),
  ),
});
const store = new HealthStore(knex);

function snapshot(i, at) {
  const probe = {
    url: `http://svc-${i}.example:8080/health`,
    status: 'pass',
    httpStatus: 200,
    latencyMs: 3 + (i % 5),
    checkedAt: new Date(at).toISOString(),
  };
  return {
    entityRef: `component:default/svc-${i}`,
    environment: 'default',
    status: 'pass',
    liveness: probe,
    readiness: { ...probe, url: probe.url.replace('health', 'ready') },
    checks: ['postgres:connection', 'redis:connection'].map(name => ({
      name,
      componentType: 'datastore',
      status: 'pass',
      observedValue: 2,
      observedUnit: 'ms',
      time: probe.checkedAt,
    })),
    version: '1.2.3',
    checkedAt: probe.checkedAt,
  };
}

const end = Date.UTC(2026, 10, 30, 12, 0, 0);
const cycles = Math.round((Number(args.hours) * 3600_000) / INTERVAL_MS);
const started = performance.now();
for (let c = cycles - 1; c >= 0; c--) {
  const at = end - c * INTERVAL_MS;
  if (c % 60 === 0) {
    console.error(
      `cycle ${cycles - c}/${cycles}: ${Math.round(
        (performance.now() - started) / 1000,
      )} s`,
    );
  }
  await store.insertMany(
    Array.from({ length: SERVICES }, (_, i) => snapshot(i, at)),
  );
  await store.compact(RETENTION, at);
}
const cycleSeconds = (performance.now() - started) / 1000;
console.error(`${cycles} cycles in ${Math.round(cycleSeconds)} s`);
// The rest of the 7 days, as the compaction would have left it.
const bucketMs = RETENTION.rollupMinutes * 60_000;
const oldest = await knex('service_health_probe_rollups').min({
  t: 'bucket_start',
});
let t = Number(oldest[0].t ?? end) - bucketMs;
const rows = [];
const limit = end - RETENTION.retentionDays * 86_400_000;
for (; t >= limit; t -= bucketMs) {
  for (let i = 0; i < SERVICES; i++) {
    rows.push({
      entity_ref: `component:default/svc-${i}`,
      environment: 'default',
      bucket_start: t,
      bucket_ms: bucketMs,
      pass: 30,
      warn: 0,
      fail: 0,
      down: 0,
      latency_sum_ms: 30 * (3 + (i % 5)),
      latency_count: 30,
    });
  }
  if (rows.length >= 20_000) {
    await knex.batchInsert('service_health_probe_rollups', rows.splice(0), 500);
  }
}
if (rows.length)
  await knex.batchInsert('service_health_probe_rollups', rows, 500);

const counts = await store.countRows();
const [{ page_count: pages }] = await knex.raw('PRAGMA page_count');
const [{ page_size: pageSize }] = await knex.raw('PRAGMA page_size');
const mb = b => Math.round((b / 1048576) * 10) / 10;
const result = {
  services: SERVICES,
  simulatedHours: Number(args.hours),
  cycles,
  cycleSecondsTotal: Math.round(cycleSeconds),
  probeRows: counts.probes,
  bucketRows: counts.rollups,
  databaseMb: mb(pages * pageSize),
  rssMb: mb(process.memoryUsage().rss),
};
console.log(
  `${SERVICES} services: ${counts.probes} probe rows (last ${RETENTION.rawHours} h), ` +
    `${counts.rollups} bucket rows (7 days): SQLite ${result.databaseMb} MB, process RSS ${result.rssMb} MB`,
);
console.log(JSON.stringify(result));
await knex.destroy();
