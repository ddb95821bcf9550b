import knexFactory, { Knex } from 'knex';
import path from 'node:path';
import type { CompactSample } from '../metrics/samples';
import { StatusStore } from './StatusStore';

/*
 * The batch queries on both databases the plugin runs on: SQLite (the
 * embedded default) and PostgreSQL (production), in a throwaway database on
 * SERVICE_HEALTH_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
const ADMIN_URL =
  process.env.SERVICE_HEALTH_TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const MIGRATIONS = path.resolve(__dirname, '../../migrations');

const T0 = Date.parse('2026-11-30T10:00:00Z');
const min = (n: number) => T0 + n * 60_000;

/** Probes per entity: [minute, status]. */
const HISTORIES: Record<string, Array<[number, string]>> = {
  // up, then down from minute 3 on: "fail since minute 3"
  'component:default/stopped': [
    [0, 'pass'],
    [1, 'pass'],
    [2, 'pass'],
    [3, 'down'],
    [4, 'down'],
  ],
  // never up: not started, since the oldest probe
  'component:default/never': [
    [1, 'down'],
    [2, 'fail'],
    [3, 'down'],
  ],
  // passing all along: since the oldest probe, which bounds it
  'component:default/steady': [
    [0, 'pass'],
    [1, 'pass'],
  ],
  // down for every raw probe; the buckets hold the pass before (below)
  'component:default/long-outage': [
    [10, 'down'],
    [11, 'down'],
  ],
  // down for every raw probe and every bucket: never started
  'component:default/never-long': [[10, 'down']],
  // recovered: pass since minute 4
  'component:default/recovered': [
    [0, 'pass'],
    [2, 'warn'],
    [3, 'fail'],
    [4, 'pass'],
    [5, 'pass'],
  ],
};

function sample(t: number, ok: number, errors: number, slow: number) {
  // buckets 0.1 s, 0.5 s, +Inf; `slow` of the ok requests took 0.1-0.5 s
  const les = [0.1, 0.5];
  return {
    t,
    les,
    http: [
      ['GET', '/v1/items', '200', ok, ok * 0.05, [ok - slow, ok, ok]],
      ['GET', '/v1/items', '500', errors, 0, [errors, errors, errors]],
    ],
  } as CompactSample;
}

async function seed(db: Knex) {
  for (const [ref, history] of Object.entries(HISTORIES)) {
    await db('service_health_probes').insert(
      history.map(([m, status]) => ({
        entity_ref: ref,
        environment: 'default',
        checked_at: min(m),
        status,
        latency_ms: 1,
        snapshot: '{}',
      })),
    );
  }
  const bucket = (ref: string, start: number, counts: object) => ({
    entity_ref: `component:default/${ref}`,
    environment: 'default',
    bucket_start: min(start),
    bucket_ms: 3_600_000,
    pass: 0,
    warn: 0,
    fail: 0,
    down: 0,
    ...counts,
  });
  await db('service_health_probe_rollups').insert([
    bucket('long-outage', -120, { pass: 50, down: 10 }),
    bucket('long-outage', -60, { down: 120 }),
    bucket('never-long', -60, { down: 120 }),
    // a passing service's buckets are not read: its state is "at least" the raw window
    bucket('steady', -60, { fail: 3, pass: 100 }),
  ]);
  // another environment must not leak into "default"
  await db('service_health_probes').insert({
    entity_ref: 'component:default/steady',
    environment: 'staging',
    checked_at: min(9),
    status: 'down',
    snapshot: '{}',
  });
  await db('service_health_metric_samples').insert(
    [
      sample(min(-120), 1, 0, 0), // before the window: ignored
      sample(min(0), 100, 0, 0),
      sample(min(1), 150, 5, 10),
      sample(min(2), 200, 10, 20),
    ].map(s => ({
      entity_ref: 'component:default/steady',
      environment: 'default',
      scraped_at: s.t,
      sample: JSON.stringify(s),
    })),
  );
}

async function checkStore(db: Knex) {
  await db.migrate.latest({
    directory: MIGRATIONS,
    disableMigrationsListValidation: true,
  });
  await seed(db);
  const store = new StatusStore(db);
  const refs = [...Object.keys(HISTORIES), 'component:default/unprobed'];
  const standings = await store.standings(refs, 'default');

  expect(standings.get('component:default/stopped')).toEqual({
    entityRef: 'component:default/stopped',
    status: 'down',
    checkedAt: min(4),
    since: min(3),
    sinceIsLowerBound: false,
    oldest: min(0),
    everUp: true,
  });
  expect(standings.get('component:default/never')).toMatchObject({
    status: 'down',
    oldest: min(1),
    everUp: false,
  });
  expect(standings.get('component:default/steady')).toMatchObject({
    status: 'pass',
    checkedAt: min(1),
    since: min(0),
    sinceIsLowerBound: true,
  });
  expect(standings.get('component:default/recovered')).toMatchObject({
    status: 'pass',
    since: min(4),
    sinceIsLowerBound: false,
  });
  expect(standings.has('component:default/unprobed')).toBe(false);
  expect(standings.get('component:default/long-outage')).toMatchObject({
    status: 'down',
    since: min(-60),
    sinceIsLowerBound: false,
    oldest: min(-120),
    everUp: true,
  });
  expect(standings.get('component:default/never-long')).toMatchObject({
    status: 'down',
    since: min(-60),
    oldest: min(-60),
    everUp: false,
  });

  const edges = await store.sampleEdges(refs, 'default', min(-60));
  expect([...edges.keys()]).toEqual(['component:default/steady']);
  const [first, last] = edges.get('component:default/steady')!;
  expect(first.t).toBe(min(0));
  expect(last.t).toBe(min(2));

  // more refs than one statement takes: the same answers
  const many = [
    ...Array.from({ length: 1200 }, (_, i) => `component:default/x${i}`),
    ...refs,
  ];
  const all = await store.standings(many, 'default');
  expect(all.size).toBe(6);
  expect(all.get('component:default/stopped')?.since).toBe(min(3));
}

describe('StatusStore', () => {
  it('answers from stored probes and samples on SQLite', async () => {
    const db = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    try {
      await expect(checkStore(db)).resolves.toBeUndefined();
    } finally {
      await db.destroy();
    }
  });

  it('answers the same on PostgreSQL', async () => {
    const dbName = `sh_status_${process.pid}_${Date.now()}`;
    const admin = knexFactory({ client: 'pg', connection: ADMIN_URL });
    await admin.raw(`CREATE DATABASE ${dbName}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    const db = knexFactory({ client: 'pg', connection: url.toString() });
    try {
      await expect(checkStore(db)).resolves.toBeUndefined();
    } finally {
      await db.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.destroy();
    }
  });
});
