import type { HealthSnapshot } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { HealthStore, ProbeRetention } from './stores';

jest.setTimeout(120_000);

// SQLite always, PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
const databases = pluginTestDatabases();

const SERVICES = 1000;
const INTERVAL_S = 300;
// Scaled down from the defaults (6 h raw, 15 min buckets, 7 days) so the
// simulation runs past every bound within a test: the rules are the same.
const RETENTION: ProbeRetention = {
  rawHours: 1,
  rollupMinutes: 15,
  retentionDays: 0.25,
};
const CYCLES = (9 * 3600) / INTERVAL_S; // 9 h: past the raw window and the retention
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

/** Service i is down in one cycle of ten (shifted per service), up otherwise. */
const isDown = (i: number, cycle: number) => (i + cycle) % 10 === 0;

function snapshot(i: number, at: number, down: boolean): HealthSnapshot {
  const probe = {
    url: `http://svc-${i}.example:8080/health`,
    status: down ? ('down' as const) : ('pass' as const),
    ...(down ? { error: 'connect ECONNREFUSED' } : { httpStatus: 200 }),
    latencyMs: 3 + (i % 5),
    checkedAt: new Date(at).toISOString(),
  };
  return {
    entityRef: `component:default/svc-${i}`,
    environment: 'default',
    status: probe.status,
    liveness: probe,
    readiness: { ...probe, url: probe.url.replace('health', 'ready') },
    checks: down
      ? []
      : ['postgres:connection', 'redis:connection'].map(name => ({
          name,
          componentType: 'datastore',
          status: 'pass' as const,
          observedValue: 2,
          observedUnit: 'ms',
          time: new Date(at).toISOString(),
        })),
    version: '1.2.3',
    checkedAt: new Date(at).toISOString(),
  };
}

describe.each(databases.eachSupportedId())(
  'probe history at 1,000 services on %s',
  id => {
    let knex: Knex;
    let store: HealthStore;

    beforeAll(async () => {
      knex = await migratedDatabase(databases, id);
      store = new HealthStore(knex);
    });

    it('stays bounded: raw rows for the last hours, buckets before, one whole snapshot per service', async () => {
      const bucketMs = RETENTION.rollupMinutes * 60_000;
      const maxProbeRows =
        SERVICES *
        ((RETENTION.rawHours * 3600_000 + bucketMs) / (INTERVAL_S * 1000) + 1);
      const maxBucketRows =
        SERVICES * ((RETENTION.retentionDays * 86_400_000) / bucketMs + 2);
      let peak = { probes: 0, rollups: 0 };

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const at = T0 + cycle * INTERVAL_S * 1000;
        await store.insertMany(
          Array.from({ length: SERVICES }, (_, i) =>
            snapshot(i, at, isDown(i, cycle)),
          ),
        );
        await store.compact(RETENTION, at);
        const rows = await store.countRows();
        expect(rows.probes).toBeLessThanOrEqual(maxProbeRows);
        expect(rows.rollups).toBeLessThanOrEqual(maxBucketRows);
        peak = {
          probes: Math.max(peak.probes, rows.probes),
          rollups: Math.max(peak.rollups, rows.rollups),
        };
      }
      // The bounds were reached (the simulation ran past both), not just respected.
      expect(peak.probes).toBeGreaterThan(SERVICES * 12);
      expect(peak.rollups).toBeGreaterThanOrEqual(SERVICES * 20);

      // Probe rows keep no snapshot; one whole snapshot per service is kept.
      const withSnapshot = await knex('service_health_probes')
        .whereNot('snapshot', '')
        .count({ n: '*' })
        .first();
      expect(Number(withSnapshot?.n)).toBe(0);
      const latestRows = await knex('service_health_latest_probes')
        .count({ n: '*' })
        .first();
      expect(Number(latestRows?.n)).toBe(SERVICES);
      const latest = await store.latest('component:default/svc-7', 'default');
      expect(latest?.checkedAt).toBe(
        new Date(T0 + (CYCLES - 1) * INTERVAL_S * 1000).toISOString(),
      );
      expect(latest?.checks).toHaveLength(isDown(7, CYCLES - 1) ? 0 : 2);
    });

    it('keeps every probe counted: the uptime over buckets and raw probes is exact', async () => {
      const end = T0 + (CYCLES - 1) * INTERVAL_S * 1000;
      // From a bucket boundary: a bucket is in the window when it starts in it.
      const bucketMs = RETENTION.rollupMinutes * 60_000;
      const from = new Date(
        Math.floor((end - 5 * 3600_000) / bucketMs) * bucketMs,
      );
      const to = new Date(end);
      for (const i of [0, 3, 999]) {
        const points = await store.history(
          `component:default/svc-${i}`,
          'default',
          from,
          to,
        );
        let expected = 0;
        let expectedUp = 0;
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          const at = T0 + cycle * INTERVAL_S * 1000;
          if (at < from.getTime() || at > to.getTime()) continue;
          expected++;
          if (!isDown(i, cycle)) expectedUp++;
        }
        const probes = points.reduce((n, p) => n + (p.probes ?? 1), 0);
        const up = points.reduce(
          (n, p) => n + (p.upProbes ?? (p.status === 'pass' ? 1 : 0)),
          0,
        );
        expect({ probes, up }).toEqual({ probes: expected, up: expectedUp });
        // Older history comes as buckets, the last hour as single probes.
        expect(points.some(p => p.probes !== undefined)).toBe(true);
        expect(points.at(-1)?.probes).toBeUndefined();
        // A bucket holding an outage shows it as its status.
        const buckets = points.filter(p => p.until);
        for (const b of buckets) {
          expect(b.status).toBe(b.upProbes! < b.probes! ? 'down' : 'pass');
        }
      }
    });
  },
);

describe.each(databases.eachSupportedId())(
  'lifecycle across aggregated probes on %s',
  id => {
    let knex: Knex;
    let store: HealthStore;

    beforeAll(async () => {
      knex = await migratedDatabase(databases, id);
      store = new HealthStore(knex);
    });

    it('keeps the first probe, the first pass and an outage start that moved into buckets', async () => {
      const retention = { rawHours: 1, rollupMinutes: 15, retentionDays: 1 };
      const minute = 60_000;
      // 10 min not started, 50 min up, then down for 3 hours, probed every minute.
      const statusAt = (m: number) => (m >= 10 && m < 60 ? false : true);
      for (let m = 0; m < 240; m++) {
        await store.insert(snapshot(1, T0 + m * minute, statusAt(m)));
      }
      const before = await store.lifecycle(
        'component:default/svc-1',
        'default',
      );
      expect(before).toEqual({
        firstProbeAt: new Date(T0).toISOString(),
        firstUpAt: new Date(T0 + 10 * minute).toISOString(),
        lastUpAt: new Date(T0 + 59 * minute).toISOString(),
        downSince: new Date(T0 + 60 * minute).toISOString(),
      });
      // Everything older than an hour moves into 15-minute buckets.
      await store.compact(retention, T0 + 240 * minute);
      expect((await store.countRows()).rollups).toBeGreaterThan(0);
      const after = await store.lifecycle('component:default/svc-1', 'default');
      // Times read from buckets are bucket edges: the first pass (minute 10)
      // reads as its bucket's start; the last pass and the outage start fall on
      // an edge and stay exact.
      expect(after).toEqual({
        firstProbeAt: new Date(T0).toISOString(),
        firstUpAt: new Date(T0).toISOString(),
        lastUpAt: new Date(T0 + 60 * minute).toISOString(),
        downSince: new Date(T0 + 60 * minute).toISOString(),
      });
    });
  },
);
