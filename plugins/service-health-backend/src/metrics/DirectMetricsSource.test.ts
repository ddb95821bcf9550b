import type { Knex } from 'knex';
import { SampleStore } from '../database/stores';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { HostAllowList, OutboundHttp } from '../outbound/OutboundHttp';
import type { ResolvedTarget } from '../types';
import { DirectMetricsSource } from './DirectMetricsSource';
import { DEFAULT_SAMPLE_LIMIT } from './exposition';
import type { CompactSample } from './samples';

/*
 * The direct source's stored history: thinned for the long ranges, read
 * while the service is down. On SQLite (the local default) and PostgreSQL
 * (production's database).
 */
const MINUTE = 60_000;
const http = new OutboundHttp(new HostAllowList(['127.0.0.1']), {
  timeoutMs: 1000,
  maxResponseBytes: 1024 * 1024,
  maxRedirects: 0,
});

const target = {
  entityRef: 'component:default/orders',
  environment: 'default',
  serviceName: 'orders',
  // Nothing listens on port 1: every scrape fails with ECONNREFUSED.
  baseUrl: 'http://127.0.0.1:1',
  metricsSource: 'direct',
} as ResolvedTarget;

/** A sample whose counter grew by `perMinute` requests every minute since t=0. */
function sampleAt(t: number, perMinute = 60): CompactSample {
  const count = Math.round((t / MINUTE) * perMinute);
  return {
    t,
    les: [0.1],
    http: [['GET', '/a', '200', count, count * 0.01, [count, count]]],
  };
}

// SQLite always, PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
const databases = pluginTestDatabases();

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())(
  'direct metrics history on %s',
  id => {
    let knex: Knex;
    let store: SampleStore;

    beforeAll(async () => {
      knex = await migratedDatabase(databases, id);
      store = new SampleStore(knex);
    });
    beforeEach(() => knex('service_health_metric_samples').delete());

    async function insertEvery(from: number, to: number, everyMs: number) {
      for (let t = from; t < to; t += everyMs) {
        await store.insert(target.entityRef, target.environment, sampleAt(t));
      }
    }

    it('keeps every sample for the retention, then one per 10 minutes for a day and one per hour for the history', async () => {
      const now = Date.now();
      const source = new DirectMetricsSource({
        http,
        store,
        retentionMinutes: 120,
        historyDays: 7,
        freshnessSeconds: 5,
        sampleLimit: DEFAULT_SAMPLE_LIMIT,
      });
      // Two days of samples every 2 minutes, and one older than the history.
      const start = now - 2 * 1440 * MINUTE;
      await insertEvery(start, now, 2 * MINUTE);
      await store.insert(
        target.entityRef,
        target.environment,
        sampleAt(now - 8 * 1440 * MINUTE),
      );
      await source.prune(now);
      const kept = await store.between(
        target.entityRef,
        target.environment,
        0,
        now,
      );
      const times = kept.map(s => s.t);
      const recent = times.filter(t => t >= now - 120 * MINUTE);
      const day = times.filter(
        t => t < now - 120 * MINUTE && t >= now - 1440 * MINUTE,
      );
      const older = times.filter(t => t < now - 1440 * MINUTE);
      expect(recent.length).toBe(60); // all of 120 min at 2 min
      // one per fixed 10-minute slice of epoch time
      expect(new Set(day.map(t => Math.floor(t / (10 * MINUTE)))).size).toBe(
        day.length,
      );
      expect(day.length).toBeGreaterThanOrEqual(131);
      expect(day.length).toBeLessThanOrEqual(133);
      expect(new Set(older.map(t => Math.floor(t / (60 * MINUTE)))).size).toBe(
        older.length,
      );
      expect(older.length).toBeGreaterThanOrEqual(23);
      expect(older.length).toBeLessThanOrEqual(25);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(start);

      // Thinning again keeps the same samples.
      await source.prune(now);
      const again = await store.between(
        target.entityRef,
        target.environment,
        0,
        now,
      );
      expect(again.map(s => s.t)).toEqual(times);

      // The 7-day series is drawn across the thinned history: every hourly step
      // since the data began has its true rate (60 requests a minute).
      const series = await source.getSeries(target, {
        from: new Date(now - 7 * 1440 * MINUTE),
        to: new Date(now),
        stepSeconds: 3600,
      });
      const withData = series!.filter(p => p.requestRate !== undefined);
      expect(withData.length).toBeGreaterThanOrEqual(46);
      for (const p of withData) expect(p.requestRate).toBeCloseTo(1, 6);
      expect(await source.dataSince(target)).toEqual(
        new Date(Math.min(...times)),
      );
    });

    it('answers from stored samples while the service is down, and says why they stop', async () => {
      const now = Date.now();
      const source = new DirectMetricsSource({
        http,
        store,
        retentionMinutes: 120,
        freshnessSeconds: 0,
        sampleLimit: DEFAULT_SAMPLE_LIMIT,
      });
      // Up from -30 to -10 minutes, down since.
      await insertEvery(now - 30 * MINUTE, now - 10 * MINUTE, 30_000);
      const window = {
        from: new Date(now - 60 * MINUTE),
        to: new Date(now),
      };
      const summary = await source.getSummary(target, window);
      expect(summary!.requestRate).toBeCloseTo(1, 6);
      expect(source.problem(target)?.message).toMatch(/ECONNREFUSED/);

      const series = await source.getSeries(target, {
        ...window,
        stepSeconds: 60,
      });
      const at = (t: number) => series!.find(p => p.t === t)!;
      // history before the outage, a gap after it (no line drawn across)
      expect(at(now - 15 * MINUTE).requestRate).toBeCloseTo(1, 6);
      expect(at(now - 5 * MINUTE).requestRate).toBeUndefined();
      expect(at(now - 45 * MINUTE).requestRate).toBeUndefined();
    });

    it('still says unreachable when nothing was ever stored', async () => {
      const source = new DirectMetricsSource({
        http,
        store,
        retentionMinutes: 120,
        freshnessSeconds: 0,
        sampleLimit: DEFAULT_SAMPLE_LIMIT,
      });
      await expect(
        source.getSummary(target, {
          from: new Date(Date.now() - 3_600_000),
          to: new Date(),
        }),
      ).rejects.toThrow(/Could not scrape .*ECONNREFUSED/);
    });
  },
);
