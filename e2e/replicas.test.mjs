/*
 * Two backend replicas from packages/backend on one PostgreSQL database, with real test
 * services: the poll shards divide evenly between the replicas (each polls 40-60 % of the
 * services, half of the shards each) and every service is polled once per shard run (never twice
 * in an interval); when one replica is killed the other takes its shards within seconds; spans
 * exported to one replica are read through the other; pruning runs on one replica at a time.
 *
 * Ports: REPLICAS_TEST_PORT and the next one (default 18710, 18711).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { catalogYaml, startFakeServices } from './fake-services.mjs';
import {
  createDatabase,
  OTLP_TOKEN,
  replicaConfig,
  startReplica,
  waitFor,
} from './replicas.mjs';

const PORT = Number(process.env.REPLICAS_TEST_PORT ?? 18710);
// Enough services that any half of the shards holds close to half of them (each shard is a
// hash range: 300 services in 16 shards put 50 % ± 3 % on each replica's 8 shards).
const SERVICES = 300;
const SHARDS = 16;
// The coordinator's member time-to-live (plugin.ts POLL_MEMBER_TTL_MS).
// serviceHealth.health.replicaTimeoutSeconds: below the default 10 s to keep the test short.
const MEMBER_TTL_S = 6;
const INTERVAL_S = 5;

let dir;
let services;
let dropDatabase;
const replicas = [];

/** Completed shard runs, from the replicas' logs: { replica, shard, probed, at }. */
function shardRuns() {
  return replicas.flatMap(r =>
    r
      .records()
      .filter(x => x.plugin === 'service-health' && typeof x.shard === 'number')
      .map(x => ({
        replica: r.name,
        shard: x.shard,
        probed: x.probed,
        at: x.seenAt,
        // when the run started: the line's arrival less the run's own timings
        start: x.seenAt - x.durationMs - (x.listMs ?? 0),
      })),
  );
}

/** The plugin's shard of a target (ServicePoller's shardOf): FNV-1a of ref and environment. */
function shardOf(entityRef, environment, shards) {
  const key = `${entityRef}\u0000${environment}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return Math.floor(((hash >>> 0) * shards) / 2 ** 32);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prod-replicas-'));
  services = await startFakeServices({ count: SERVICES });
  const catalogFile = join(dir, 'catalog-info.yaml');
  writeFileSync(catalogFile, catalogYaml(services, SERVICES));
  const database = `prod_replicas_${process.pid}`;
  dropDatabase = await createDatabase(database);
  const serviceHealth = {
    allowedHosts: ['127.0.0.1'],
    health: {
      intervalSeconds: INTERVAL_S,
      shards: SHARDS,
      concurrency: 4,
      replicaTimeoutSeconds: MEMBER_TTL_S,
    },
    traces: { receiver: { tokens: [OTLP_TOKEN] } },
  };
  // One after the other: the first creates the schemas and runs the migrations.
  for (const [i, name] of ['replica-a', 'replica-b'].entries()) {
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
  }
});

after(async () => {
  for (const r of replicas) await r.stop();
  await services?.close();
  await dropDatabase?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the poll shards divide evenly between the replicas, each service polled once per shard run', async () => {
  await waitFor(
    'every service to be probed (the catalog is read first)',
    () => services.hits.every(h => h.health > 0),
    240_000,
  );
  const owned = Array.from({ length: SHARDS }, (_, s) =>
    Array.from({ length: SERVICES }, (_, i) => i).filter(
      i => shardOf(`component:default/svc-${i}`, 'default', SHARDS) === s,
    ),
  );
  const runsOf = (runs, s) => runs.filter(r => r.shard === s && r.probed > 0);
  // replica-b started after replica-a: measure from an interval after it took its first shard,
  // when the shards that moved to it have settled.
  await waitFor(
    'replica-b to run a shard',
    () => shardRuns().some(r => r.replica === 'replica-b' && r.probed > 0),
    120_000,
  );
  await new Promise(r => setTimeout(r, INTERVAL_S * 1000));
  const runs0 = shardRuns();
  const counts0 = services.hits.map(h => h.health);
  await waitFor(
    'three more runs of every shard',
    () => {
      const runs = shardRuns();
      return owned.every(
        (o, s) =>
          o.length === 0 ||
          runsOf(runs, s).length >= runsOf(runs0, s).length + 3,
      );
    },
    240_000,
  );
  const runs1 = shardRuns();
  const counts1 = services.hits.map(h => h.health);

  // The shards divide evenly: each replica ran half of them, holding 40-60 % of the services.
  const window = runs1.slice(runs0.length).filter(r => r.probed > 0);
  const summary = ['replica-a', 'replica-b'].map(name => {
    const mine = window.filter(r => r.replica === name);
    return `${name}: ${mine.length} runs, ${mine.reduce(
      (n, r) => n + r.probed,
      0,
    )} probes, shards ${[...new Set(mine.map(r => r.shard))].sort(
      (x, y) => x - y,
    )}`;
  });
  for (const name of ['replica-a', 'replica-b']) {
    const shards = new Set(
      window.filter(r => r.replica === name).map(r => r.shard),
    );
    assert.equal(shards.size, SHARDS / 2, summary.join('; '));
    const share =
      [...shards].reduce((n, s) => n + owned[s].length, 0) / SERVICES;
    assert.ok(
      share >= 0.4 && share <= 0.6,
      `${name} polls ${Math.round(
        share * 100,
      )} % of the services (${summary.join('; ')})`,
    );
  }
  // No shard changed hands while both replicas were up (deterministic assignment).
  for (let s = 0; s < SHARDS; s++) {
    assert.equal(
      new Set(window.filter(r => r.shard === s).map(r => r.replica)).size,
      1,
      `shard ${s} ran on both replicas`,
    );
  }
  for (let s = 0; s < SHARDS; s++) {
    for (const run of runsOf(runs1, s).slice(runsOf(runs0, s).length + 1)) {
      assert.equal(
        run.probed,
        owned[s].length,
        `a run of shard ${s} on ${run.replica} probed ${run.probed} services`,
      );
    }
    // Each service was probed once per run of its shard (± the one run going on at either end):
    // a service polled by both replicas in one interval would be probed about twice as often.
    const runsBetween = runsOf(runs1, s).length - runsOf(runs0, s).length;
    // No shard starts twice within an interval, whichever replicas run it (the lease's
    // guard); 1 s of slack for the log lines' arrival under load.
    const starts = runs1
      .filter(r => r.shard === s)
      .map(r => r.start)
      .sort((x, y) => x - y);
    for (let k = 1; k < starts.length; k++) {
      assert.ok(
        starts[k] - starts[k - 1] >= INTERVAL_S * 1000 - 1000,
        `shard ${s} started twice within ${starts[k] - starts[k - 1]} ms`,
      );
    }
    for (const i of owned[s]) {
      const probes = counts1[i] - counts0[i];
      assert.ok(
        Math.abs(probes - runsBetween) <= 1,
        `svc-${i} (shard ${s}) was probed ${probes} times in ${runsBetween} runs of its shard`,
      );
    }
  }
});

test('spans exported to one replica are read through the other', async () => {
  const [a, b] = replicas;
  const traceId = 'ab'.repeat(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'svc-0' } },
          ],
        },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: 'cd'.repeat(8),
                name: 'GET /v1/items',
                kind: 2,
                startTimeUnixNano: String(now - 5_000_000n),
                endTimeUnixNano: String(now),
                status: {},
              },
            ],
          },
        ],
      },
    ],
  };
  const exported = await fetch(`${a.url}/api/service-health/otlp/v1/traces`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${OTLP_TOKEN}`,
    },
    body: JSON.stringify(body),
  });
  assert.equal(exported.status, 200, await exported.text());
  const refresh = await fetch(`${b.url}/api/auth/guest/refresh`);
  assert.equal(refresh.status, 200);
  const token = (await refresh.json()).backstageIdentity.token;
  const res = await fetch(
    `${b.url}/api/service-health/entities/component/default/svc-0/traces/${traceId}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const trace = JSON.parse(text);
  assert.deepEqual(
    trace.data.spans.map(s => s.operation),
    ['GET /v1/items'],
  );
});

test('pruning runs on one replica at a time', async () => {
  const prunes = replicas.flatMap(r =>
    r
      .records()
      .filter(
        x =>
          x.plugin === 'service-health' &&
          /^Pruned the probe and sample history/.test(x.message),
      )
      .map(x => ({ replica: r.name, at: x.seenAt })),
  );
  assert.ok(prunes.length > 0, 'no prune run yet');
  const elapsedS = (Date.now() - Math.min(...prunes.map(p => p.at))) / 1000;
  // one global task: at most one run per interval across both replicas
  assert.ok(
    prunes.length <= elapsedS / INTERVAL_S + 2,
    `${prunes.length} prune runs in ${elapsedS} s`,
  );
});

test("a killed replica's shards move to the other within seconds", async () => {
  const [a, b] = replicas;
  a.kill();
  const killedAt = Date.now();
  await waitFor(
    'replica-a to exit',
    () => a.child.exitCode !== null || a.child.signalCode !== null,
    10_000,
  );
  const atKill = services.hits.map(h => h.health);
  const runsAtKill = shardRuns().filter(r => r.replica === 'replica-b').length;
  // replica-b runs every shard: those of replica-a once its heartbeat is MEMBER_TTL_S old (and
  // the lease of a run it was in the middle of has run out), each when next due.
  await waitFor(
    'replica-b to run every shard',
    () =>
      new Set(
        shardRuns()
          .filter(r => r.replica === 'replica-b')
          .slice(runsAtKill)
          .map(r => r.shard),
      ).size === SHARDS,
    120_000,
  );
  const tookS = (Date.now() - killedAt) / 1000;
  // ttl, then at most one interval until the shard is due, plus the run and the log
  assert.ok(
    tookS <= MEMBER_TTL_S + INTERVAL_S + 10,
    `replica-b ran every shard ${tookS} s after the kill`,
  );
  await waitFor(
    'every service to be probed twice more after the kill',
    () => services.hits.every((h, i) => h.health >= atKill[i] + 2),
    60_000,
  );
  // Through the move too, no shard started twice within an interval (replica-a's last start
  // and replica-b's first count together).
  for (let s = 0; s < SHARDS; s++) {
    const starts = shardRuns()
      .filter(r => r.shard === s)
      .map(r => r.start)
      .sort((x, y) => x - y);
    for (let k = 1; k < starts.length; k++) {
      assert.ok(
        starts[k] - starts[k - 1] >= INTERVAL_S * 1000 - 1000,
        `shard ${s} started twice within ${starts[k] - starts[k - 1]} ms`,
      );
    }
  }
  const health = await fetch(`${b.url}/.backstage/health/v1/readiness`);
  assert.equal(health.status, 200);
});
