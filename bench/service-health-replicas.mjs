#!/usr/bin/env node
/*
 * Production shape of service-health: 1 and then 2 backend replicas from packages/backend
 * (production-style config, one PostgreSQL database) polling N simulated services with one
 * environment, a 15 s interval and the default 16 poll shards (divided between the replicas by the
 * plugin's ShardCoordinator), direct /metrics scraping.
 *
 * The services are one HTTP server in a child process (e2e/fake-services.mjs) answering
 * /svc-<i>/health and /ready (application/health+json) and /svc-<i>/metrics (the skeleton's
 * exposition after some traffic, ~13 KB, 160 lines), so a cycle makes 3 × N real requests.
 *
 * Reports per phase (1 replica, then 2), from the replicas' logs: the longest shard run
 * (catalog read + poll of the shard's targets; every target is polled within that long of its
 * shard falling due), the longest cycle (start of a shard's run to the end of its next run: how
 * long a target can go between two probes) and the shard runs of one interval added up (the
 * cycle time of one poller), the share of targets each replica polled,
 * probes per service per interval (min/max: 1/1 means nobody was polled twice), Health tab API
 * p95 (GET …/health and …/metrics/summary of random services, sequential, during polling) and
 * the peak RSS of each replica.
 *
 * Usage: node bench/service-health-replicas.mjs [--services 100,1000] [--rounds 3] [--port 18720]
 * (BENCH_LOG_DIR=<dir> keeps each replica's log there).
 * Needs PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { catalogYaml } from '../e2e/fake-services.mjs';
import { ROOT } from '../e2e/portal.mjs';
import {
  createDatabase,
  replicaConfig,
  startReplica,
  waitFor,
} from '../e2e/replicas.mjs';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '100,1000' },
    rounds: { type: 'string', default: '3' },
    port: { type: 'string', default: '18720' },
    interval: { type: 'string', default: '15' },
  },
});
const INTERVAL_S = Number(args.interval);
const ROUNDS = Number(args.rounds);
const PORT = Number(args.port);
const sleep = ms => new Promise(r => setTimeout(r, ms));

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
  } catch {
    return NaN;
  }
}

async function startFakes(count) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'e2e/fake-services.mjs'), String(count)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  process.once('exit', () => child.kill('SIGTERM'));
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', d => resolve(JSON.parse(String(d)).url));
    child.once('exit', code =>
      reject(new Error(`fake services exited ${code}`)),
    );
  });
  return {
    url,
    baseUrl: i => `${url}/svc-${i}`,
    hits: async () => (await fetch(`${url}/__hits`)).json(),
    stop: () => child.kill('SIGTERM'),
  };
}

/** Shard runs logged by the replicas: { replica, shard, probed, start, end }. */
function shardRuns(replicas) {
  return replicas.flatMap(r =>
    r
      .records()
      .filter(x => x.plugin === 'service-health' && typeof x.shard === 'number')
      .map(x => ({
        replica: r.name,
        shard: x.shard,
        probed: x.probed,
        end: x.seenAt,
        start: x.seenAt - x.durationMs - (x.listMs ?? 0),
      })),
  );
}

/** One phase: `rounds` intervals of polling measured with the given replicas running. */
async function measure(replicas, services, count, rounds) {
  const token = (
    await (await fetch(`${replicas[0].url}/api/auth/guest/refresh`)).json()
  ).backstageIdentity.token;
  const runsBefore = shardRuns(replicas).length;
  const hits0 = await services.hits();
  const started = Date.now();
  const latencies = [];
  const peakRss = new Map(replicas.map(r => [r.name, 0]));
  const until = started + rounds * INTERVAL_S * 1000;
  let k = 0;
  while (Date.now() < until) {
    for (const r of replicas)
      peakRss.set(r.name, Math.max(peakRss.get(r.name), rssMb(r.child.pid)));
    const replica = replicas[k % replicas.length];
    const i = Math.floor(Math.random() * count);
    const path = k % 2 === 0 ? 'health' : 'metrics/summary';
    const t = performance.now();
    const res = await fetch(
      `${replica.url}/api/service-health/entities/component/default/svc-${i}/${path}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    await res.arrayBuffer();
    if (res.ok) latencies.push(performance.now() - t);
    k++;
    await sleep(200);
  }
  const hits1 = await services.hits();
  const elapsedS = (Date.now() - started) / 1000;
  const runs = shardRuns(replicas).slice(runsBefore);
  const full = Math.max(1, Math.round(elapsedS / INTERVAL_S));
  const probed = new Map(replicas.map(r => [r.name, 0]));
  for (const run of runs)
    probed.set(run.replica, probed.get(run.replica) + run.probed);
  const total = [...probed.values()].reduce((a, b) => a + b, 0);
  const deltas = hits1.map((h, i) => h.health - hits0[i].health);
  return {
    replicas: replicas.length,
    elapsedS: Math.round(elapsedS),
    shardRuns: runs.length,
    // the work itself: the longest single shard run (catalog read + poll), and all shard runs
    // of one interval added up (the cycle time the targets would take on one poller)
    shardRunMsMax: Math.round(Math.max(...runs.map(r => r.end - r.start))),
    // the full cycle as a target sees it: the longest time from the start of a shard's run to the
    // end of its next run (start to start plus the run), over all shards
    cycleMsMax: Math.round(
      Math.max(
        0,
        ...runs.flatMap((r, i) => {
          const next = runs
            .slice(i + 1)
            .filter(n => n.shard === r.shard)
            .sort((x, y) => x.start - y.start)[0];
          return next ? [next.end - r.start] : [];
        }),
      ),
    ),
    workMsPerInterval: Math.round(
      runs.reduce((n, r) => n + r.end - r.start, 0) / full,
    ),
    share: Object.fromEntries(
      [...probed].map(([name, n]) => [
        name,
        total ? `${Math.round((100 * n) / total)} %` : '-',
      ]),
    ),
    probesPerServiceMin: Math.min(...deltas),
    probesPerServiceMax: Math.max(...deltas),
    intervals: Math.round((elapsedS / INTERVAL_S) * 10) / 10,
    apiRequests: latencies.length,
    apiP50Ms: Math.round(percentile(latencies, 50)),
    apiP95Ms: Math.round(percentile(latencies, 95)),
    peakRssMb: Object.fromEntries(
      [...peakRss].map(([n, v]) => [n, Math.round(v)]),
    ),
  };
}

async function runOne(count) {
  const dir = mkdtempSync(join(tmpdir(), 'prod-bench-'));
  const services = await startFakes(count);
  const catalogFile = join(dir, 'catalog-info.yaml');
  writeFileSync(catalogFile, catalogYaml(services, count));
  const database = `prod_bench_${count}_${process.pid}`;
  const dropDatabase = await createDatabase(database);
  const serviceHealth = {
    allowedHosts: ['127.0.0.1'],
    health: { intervalSeconds: INTERVAL_S },
  };
  const replicas = [];
  const start = async i => {
    const name = `replica-${i + 1}`;
    replicas.push(
      await startReplica({
        name,
        port: PORT + i,
        dir,
        config: replicaConfig({
          port: PORT + i,
          database,
          catalogFile,
          serviceHealth,
        }),
      }),
    );
  };
  const results = [];
  try {
    const t0 = Date.now();
    await start(0);
    await waitFor(
      `every one of ${count} services to be probed`,
      async () => (await services.hits()).every(h => h.health > 0),
      900_000,
    );
    console.error(
      `# ${count} services: catalog read and all probed ${Math.round(
        (Date.now() - t0) / 1000,
      )} s after start`,
    );
    results.push({
      services: count,
      ...(await measure(replicas, services, count, ROUNDS)),
    });
    console.error(JSON.stringify(results.at(-1)));
    await start(1);
    // let replica-2 join: it claims shards from the next interval on
    const before = shardRuns(replicas).filter(
      r => r.replica === 'replica-2',
    ).length;
    await waitFor(
      'replica-2 to run a shard',
      () =>
        shardRuns(replicas).filter(r => r.replica === 'replica-2').length >
        before,
      120_000,
    ).catch(() => {});
    // the shards that moved to replica-2 settle within an interval
    await sleep(INTERVAL_S * 1000);
    results.push({
      services: count,
      ...(await measure(replicas, services, count, ROUNDS)),
    });
    console.error(JSON.stringify(results.at(-1)));
  } finally {
    // BENCH_LOG_DIR: keep each replica's log (one JSON record a line) to see where time went
    if (process.env.BENCH_LOG_DIR) {
      for (const r of replicas) {
        writeFileSync(
          join(process.env.BENCH_LOG_DIR, `${count}-${r.name}.log`),
          r.lines.map(l => `${l.at} ${l.line}`).join('\n'),
        );
      }
    }
    for (const r of replicas) await r.stop();
    services.stop();
    await dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const all = [];
for (const count of args.services.split(',').map(Number)) {
  all.push(...(await runOne(count)));
}
console.log(
  '| services | replicas | longest shard run | longest cycle | shard runs added up per interval | share per replica | probes per service per interval | API p50 / p95 | peak RSS per replica |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of all) {
  console.log(
    `| ${r.services} | ${r.replicas} | ${(r.shardRunMsMax / 1000).toFixed(
      1,
    )} s | ${(r.cycleMsMax / 1000).toFixed(1)} s | ${(
      r.workMsPerInterval / 1000
    ).toFixed(1)} s | ${Object.values(r.share).join(' / ')} | ${
      r.probesPerServiceMin
    }–${r.probesPerServiceMax} in ${r.intervals} intervals | ${r.apiP50Ms} / ${
      r.apiP95Ms
    } ms | ${Object.values(r.peakRssMb).join(' / ')} MB |`,
  );
}
console.log(JSON.stringify(all, null, 2));
