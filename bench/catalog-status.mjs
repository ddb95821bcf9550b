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
 * Prints one line per database (p50/p95/max over rounds) and a JSON summary.
 */
import { createRequire } from 'node:module';
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
  let rows = [];
  const flush = async (table, force) => {
    if (rows.length >= 5000 || (force && rows.length)) {
      await knex.batchInsert(table, rows, 500);
      rows = [];
    }
  };
  for (let i = 0; i < N; i++) {
    const kind = kindOf(i);
    for (let k = 0; k < probes; k++) {
      const t = now - (probes - k) * INTERVAL_MS;
      const lastHour = now - t < 3600_000;
      let status = 'pass';
      if (kind === 'never') status = 'down';
      else if (kind === 'stopped' && lastHour) status = 'down';
      else if (kind === 'degraded' && lastHour) status = 'warn';
      else if (k % 500 === 499) status = 'fail'; // a blip now and then
      rows.push({
        entity_ref: `component:default/svc-${i}`,
        environment: 'default',
        checked_at: t,
        status,
        latency_ms: 3,
        snapshot: '{"status":"' + status + '"}',
      });
      await flush('service_health_probes', false);
    }
  }
  await flush('service_health_probes', true);
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
      await flush('service_health_metric_samples', false);
    }
  }
  await flush('service_health_metric_samples', true);
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
  let states;
  for (let r = 0; r < ROUNDS + 3; r++) {
    const start = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const json = await res.json();
    const ms = performance.now() - start;
    if (res.status !== 200) throw new Error(JSON.stringify(json));
    if (r >= 3) times.push(ms); // 3 warm-up rounds
    states = {};
    for (const item of json.items) {
      states[item.state] = (states[item.state] ?? 0) + 1;
    }
  }
  server.close();
  outbound.close();
  times.sort((a, b) => a - b);
  const pick = q =>
    Math.round(times[Math.floor(q * (times.length - 1))] * 10) / 10;
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
    states,
  };
  console.log(
    `${label}: ${N} entities, ${result.probeRows} probes: p50 ${
      result.p50Ms
    } ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms over ${
      times.length
    } rounds; states ${JSON.stringify(states)}`,
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
