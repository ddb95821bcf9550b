#!/usr/bin/env node
/*
 * Benchmark of the service-health batch status endpoint
 * (POST /api/service-health/status) at N entities (default 1,000): the
 * plugin's own router (createStatusRouter), StatusStore batch queries and
 * state derivation, over HTTP on 127.0.0.1, on SQLite in memory (the embedded
 * default) and, with --pg <url> (or DATABASE_URL), on a scratch PostgreSQL
 * database (created and dropped here).
 *
 * Stored state: per service, a probe every --interval s (30) over --hours (24)
 * with a mix of states (see MIX below), and a direct-scrape sample every 60 s
 * over the last hour. The catalog is an in-memory stand-in answering
 * getEntitiesByRefs: the real catalog's read is NOT in these figures.
 *
 * Usage: node bench/catalog-status.mjs [--services 1000] [--hours 24]
 *          [--interval 30] [--rounds 30] [--pg postgres://postgres@127.0.0.1:5432/test]
 * Prints one line per database (p50/p95/max over rounds of the wall time, and of the process's
 * CPU time per request, which moves less with the machine's load) and a JSON summary.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    hours: { type: 'string', default: '24' },
    interval: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '30' },
    pg: { type: 'string', default: process.env.DATABASE_URL ?? '' },
  },
});
const N = Number(args.services);
const HOURS = Number(args.hours);
const INTERVAL_MS = Number(args.interval) * 1000;
const ROUNDS = Number(args.rounds);

const require = createRequire(
  new URL('../plugins/service-health-backend/package.json', import.meta.url),
);
require('@backstage/cli/config/nodeTransform.cjs');
const { createStatusRouter } = require('./src/status/router.ts');
const { StatusStore } = require('./src/status/StatusStore.ts');
const {
  HostAllowList,
  OutboundHttp,
} = require('./src/outbound/OutboundHttp.ts');
const knexFactory = require('knex');
const express = require('express');
const MIGRATIONS = fileURLToPath(
  new URL('../plugins/service-health-backend/migrations', import.meta.url),
);

/** Share of services per history: stopped (up, then down for the last hour), never started, degraded, healthy. */
const MIX = [
  ['stopped', 0.05],
  ['never', 0.03],
  ['degraded', 0.05],
  ['healthy', 0.87],
];
function kindOf(i) {
  let acc = 0;
  const x = (i * 0.618034) % 1; // spread the kinds over the index range
  for (const [kind, share] of MIX) {
    acc += share;
    if (x < acc) return kind;
  }
  return 'healthy';
}

function sample(t, n) {
  const les = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const http = [];
  for (const route of ['/v1/items', '/v1/items/:id', '/v1/orders']) {
    for (const status of ['200', '500']) {
      const count = (status === '200' ? 100 : 1) * (n + 1);
      const buckets = les.map((_, b) =>
        Math.round((count * (b + 1)) / (les.length + 1)),
      );
      buckets.push(count);
      http.push(['GET', route, status, count, count * 0.05, buckets]);
    }
  }
  return { t, les, http, cpu: n, rss: 8e7, heap: 2e7, lag: 0.01 };
}

async function seed(knex, now) {
  const probes = Math.floor((HOURS * 3600_000) / INTERVAL_MS);
  // The probe history in one INSERT ... SELECT per database (millions of rows:
  // row-by-row inserts from here would take minutes on a busy machine).
  await knex.schema.createTable('bench_services', t => {
    t.integer('i');
    t.string('kind', 16);
  });
  await knex.batchInsert(
    'bench_services',
    Array.from({ length: N }, (_, i) => ({ i, kind: kindOf(i) })),
    200,
  );
  await knex.raw(
    `
    WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < ?)
    INSERT INTO service_health_probes
      (entity_ref, environment, checked_at, status, latency_ms, snapshot)
    SELECT 'component:default/svc-' || s.i, 'default',
      CAST(? AS BIGINT) - (? - k.n) * CAST(? AS BIGINT),
      CASE
        WHEN s.kind = 'never' THEN 'down'
        WHEN s.kind = 'stopped' AND (? - k.n) * ? < 3600000 THEN 'down'
        WHEN s.kind = 'degraded' AND (? - k.n) * ? < 3600000 THEN 'warn'
        WHEN k.n % 500 = 499 THEN 'fail'
        ELSE 'pass'
      END,
      3, '{}'
    FROM bench_services s CROSS JOIN k
    ORDER BY k.n, s.i
    `,
    [
      probes - 1,
      now,
      probes,
      INTERVAL_MS,
      probes,
      INTERVAL_MS,
      probes,
      INTERVAL_MS,
    ],
  );
  await knex.schema.dropTable('bench_services');
  const rows = [];
  for (let i = 0; i < N; i++) {
    if (kindOf(i) === 'never') continue;
    for (let m = 60; m >= 1; m--) {
      const t = now - m * 60_000;
      rows.push({
        entity_ref: `component:default/svc-${i}`,
        environment: 'default',
        scraped_at: t,
        sample: JSON.stringify(sample(t, 60 - m)),
      });
    }
  }
  await knex.batchInsert('service_health_metric_samples', rows, 500);
  return probes;
}

async function measure(label, knex) {
  await knex.migrate.latest({
    directory: MIGRATIONS,
    disableMigrationsListValidation: true,
  });
  const now = Date.now();
  const seedStart = performance.now();
  const probesPerService = await seed(knex, now);
  const seedMs = Math.round(performance.now() - seedStart);
  // PostgreSQL: fresh statistics, as autovacuum would have after a day of
  // polling. SQLite: none (Backstage never runs ANALYZE there).
  if (label === 'postgres') await knex.raw('ANALYZE');

  const entities = Array.from({ length: N }, (_, i) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `svc-${i}`,
      namespace: 'default',
      annotations: {
        'service-health.io/base-url': `http://127.0.0.1:9/svc/${i}`,
      },
    },
  }));
  const byRef = new Map(
    entities.map(e => [`component:default/${e.metadata.name}`, e]),
  );
  const catalog = {
    async getEntitiesByRefs(req) {
      return { items: req.entityRefs.map(r => byRef.get(r) ?? null) };
    },
  };
  const httpAuth = {
    async credentials() {
      return {
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef: 'user:default/bench' },
      };
    },
  };
  const outbound = new OutboundHttp(new HostAllowList(['127.0.0.1']), {
    timeoutMs: 1000,
    maxResponseBytes: 1 << 20,
    maxRedirects: 0,
  });
  const app = express();
  app.use(
    createStatusRouter({
      httpAuth,
      catalog,
      store: new StatusStore(knex),
      environments: [{ name: 'default', metricsSource: 'direct' }],
      http: outbound,
    }),
  );
  const server = await new Promise(r => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const url = `http://127.0.0.1:${server.address().port}/status`;
  const body = JSON.stringify({ entityRefs: [...byRef.keys()] });
  const times = [];
  const cpuTimes = [];
  let states;
  for (let r = 0; r < ROUNDS + 3; r++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const json = await res.json();
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    if (res.status !== 200) throw new Error(JSON.stringify(json));
    if (r >= 3) {
      // 3 warm-up rounds
      times.push(ms);
      // CPU time of this process (server, SQLite, and the client's small share): what the
      // request costs whatever the machine's load, unlike the wall time
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
    states = {};
    for (const item of json.items) {
      states[item.state] = (states[item.state] ?? 0) + 1;
    }
  }
  server.close();
  outbound.close();
  // where the time goes: the two batch reads on their own
  const store = new StatusStore(knex);
  const refs = [...byRef.keys()];
  const part = async fn => {
    const ts = [];
    for (let r = 0; r < 5; r++) {
      const start = performance.now();
      await fn();
      ts.push(performance.now() - start);
    }
    return Math.round(ts.sort((a, b) => a - b)[2] * 10) / 10;
  };
  const standingsMs = await part(() => store.standings(refs, 'default'));
  const samplesMs = await part(() =>
    store.sampleEdges(refs, 'default', Date.now() - 3600_000),
  );
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const pick = (q, list = times) =>
    Math.round(list[Math.floor(q * (list.length - 1))] * 10) / 10;
  const result = {
    database: label,
    services: N,
    probesPerService,
    probeRows: N * probesPerService,
    seedMs,
    rounds: times.length,
    p50Ms: pick(0.5),
    p95Ms: pick(0.95),
    maxMs: pick(1),
    cpuP50Ms: pick(0.5, cpuTimes),
    cpuP95Ms: pick(0.95, cpuTimes),
    loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
    medianStandingsQueryMs: standingsMs,
    medianSamplesQueryMs: samplesMs,
    states,
  };
  console.log(
    `${label}: ${N} entities, ${result.probeRows} probes: p50 ${
      result.p50Ms
    } ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms over ${
      times.length
    } rounds; CPU p50 ${result.cpuP50Ms} ms, p95 ${result.cpuP95Ms} ms; load ${
      result.loadAverage1m
    } (probe queries ${standingsMs} ms, sample queries ${samplesMs} ms); states ${JSON.stringify(
      states,
    )}`,
  );
  return result;
}

const results = [];
{
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  results.push(await measure('sqlite', knex));
  await knex.destroy();
}
if (args.pg) {
  const dbName = `bench_status_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: args.pg });
  await admin.raw(`CREATE DATABASE ${dbName}`);
  const url = new URL(args.pg);
  url.pathname = `/${dbName}`;
  const knex = knexFactory({ client: 'pg', connection: url.toString() });
  try {
    await knex.raw('SELECT 1');
    results.push(await measure('postgres', knex));
  } finally {
    await knex.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.destroy();
  }
}
console.log(JSON.stringify({ node: process.version, results }, null, 2));
