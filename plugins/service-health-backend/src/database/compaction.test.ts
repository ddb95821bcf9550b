import type { HealthSnapshot } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { HealthStore } from './stores';

jest.setTimeout(60_000);

/*
 * The probe history's compaction on each supported database: SQLite always,
 * PostgreSQL (production's database) when
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
 */
const databases = pluginTestDatabases();
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

function snapshot(entityRef: string, at: number, up: boolean): HealthSnapshot {
  const probe = {
    url: 'http://127.0.0.1:1/health',
    status: up ? ('pass' as const) : ('down' as const),
    latencyMs: 4,
    checkedAt: new Date(at).toISOString(),
  };
  return {
    entityRef,
    environment: 'default',
    status: probe.status,
    liveness: probe,
    readiness: probe,
    checks: [],
    checkedAt: probe.checkedAt,
  };
}

describe.each(databases.eachSupportedId())('probe history on %s', id => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await migratedDatabase(databases, id);
  });

  it('aggregates old probes into buckets and keeps the latest snapshots', async () => {
    const store = new HealthStore(knex);
    const retention = { rawHours: 1, rollupMinutes: 15, retentionDays: 1 };
    const refs = ['component:default/a', 'component:default/b'];
    // 3 h of probes every minute; `b` is down one minute in four.
    for (let m = 0; m < 180; m++) {
      const at = T0 + m * 60_000;
      await store.insertMany(
        refs.map((r, i) => snapshot(r, at, i === 0 || m % 4 !== 0)),
      );
    }
    const end = T0 + 179 * 60_000;
    await store.compact(retention, end);
    // 15-min buckets before the cutoff (floored to a bucket): 1 h 45 min.
    expect(await store.countRows()).toEqual({
      probes: 2 * (180 - 105),
      rollups: 2 * 7,
    });
    // Compacting again changes nothing: a bucket is filled once.
    await store.compact(retention, end);
    expect((await store.countRows()).rollups).toBe(14);

    const points = await store.history(
      refs[1],
      'default',
      new Date(T0),
      new Date(end),
    );
    const probes = points.reduce((n, p) => n + (p.probes ?? 1), 0);
    const up = points.reduce(
      (n, p) => n + (p.upProbes ?? (p.status === 'pass' ? 1 : 0)),
      0,
    );
    expect({ probes, up }).toEqual({ probes: 180, up: 135 });
    expect(points[0]).toMatchObject({
      checkedAt: new Date(T0).toISOString(),
      until: new Date(T0 + 15 * 60_000).toISOString(),
      status: 'down',
      probes: 15,
      upProbes: 11,
      latencyMs: 4,
    });
    expect((await store.latest(refs[0], 'default'))?.checkedAt).toBe(
      new Date(end).toISOString(),
    );
  });
});
