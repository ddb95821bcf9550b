import type { SloDefinition } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import { SampleStore } from '../database/stores';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { DirectMetricsSource } from '../metrics/DirectMetricsSource';
import { HostAllowList, OutboundHttp } from '../outbound/OutboundHttp';
import type { ResolvedTarget } from '../types';
import { drive, startFakeService } from '../__testUtils__/fakeService';
import { BUCKET_MS } from './buckets';
import { reportFromBuckets, SloDataError } from './evaluate';
import { historyFromBuckets, historyTimes } from './history';
import { SloAggregator } from './SloAggregator';
import { SloStore } from './SloStore';
import {
  knownCounts,
  scenario,
  syntheticSamples,
} from './__testUtils__/history';

/*
 * SLIs, budgets and burn rates from the direct scrape history (the SLO
 * buckets store), on SQLite and on PostgreSQL (production's database) when
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
 */
const databases = pluginTestDatabases();

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const END = Math.floor(Date.UTC(2026, 10, 20, 12) / BUCKET_MS) * BUCKET_MS;

const availability: SloDefinition = {
  name: 'availability',
  indicator: { type: 'availability' },
  target: 0.999,
  window: '28d',
  windowSeconds: 28 * 86_400,
};
const latency: SloDefinition = {
  name: 'latency',
  indicator: { type: 'latency', thresholdSeconds: 0.3 },
  target: 0.95,
  window: '28d',
  windowSeconds: 28 * 86_400,
};

describe.each(databases.eachSupportedId())(
  'SLOs from the direct scrape history on %s',
  id => {
    let knex: Knex;
    let store: SloStore;
    let aggregator: SloAggregator;

    beforeAll(async () => {
      knex = await migratedDatabase(databases, id);
      store = new SloStore(knex);
      aggregator = new SloAggregator({
        store,
        samples: new SampleStore(knex),
        retentionDays: 35,
      });
    });

    async function load(
      entityRef: string,
      kind: Parameters<typeof scenario>[0],
    ) {
      const options = scenario(kind, END);
      const samples = syntheticSamples(options);
      await knex.batchInsert(
        'service_health_metric_samples',
        samples.map(s => ({
          entity_ref: entityRef,
          environment: 'default',
          scraped_at: s.t,
          sample: JSON.stringify(s),
        })),
        500,
      );
      // 31 s after END the bucket ending at END is closed
      await aggregator.aggregate(entityRef, 'default', END + 31_000);
      const buckets = await store.buckets(
        entityRef,
        'default',
        END - 28 * DAY_MS,
        END,
      );
      return { options, buckets };
    }

    const expectedBurn = (
      options: ReturnType<typeof scenario>,
      minutes: number,
      slo: SloDefinition,
    ) => {
      const c = knownCounts(
        options,
        minutes,
        slo.indicator.type === 'availability' ? 'availability' : 'latency',
      );
      return c.bad / c.total / (1 - slo.target);
    };

    it('pages on a fast burn (2 % errors for an hour: 20× on 1 h and 5 m)', async () => {
      const { options, buckets } = await load(
        'component:default/fast',
        'fast-burn',
      );
      const report = reportFromBuckets(availability, buckets, END);
      const window = knownCounts(options, 28 * 1440, 'availability');
      expect(window).toEqual({ total: 40_320_000, bad: 3000 + 1200 });
      expect(report.totalEvents).toBe(window.total);
      expect(report.badEvents).toBe(window.bad);
      expect(report.sli).toBeCloseTo(1 - 4200 / 40_320_000, 12);
      expect(report.errorBudgetRemaining).toBeCloseTo(1 - 4200 / 40_320, 9);
      expect(report.burnRates['5m']).toBeCloseTo(20, 9);
      expect(report.burnRates['30m']).toBeCloseTo(20, 9);
      expect(report.burnRates['1h']).toBeCloseTo(20, 9);
      expect(report.burnRates['6h']).toBeCloseTo(
        expectedBurn(options, 360, availability),
        9,
      );
      expect(report.burnRates['6h']).toBeCloseTo(20 / 6, 9);
      expect(report.alerts).toEqual({ page: true, ticket: false });
      expect(report.status).toBe('page');

      // latency: 2 % of requests are slower than 300 ms, the objective allows 5 %
      const lat = reportFromBuckets(latency, buckets, END);
      expect(lat.sli).toBeCloseTo(0.98, 12);
      expect(lat.errorBudgetRemaining).toBeCloseTo(0.6, 9);
      expect(lat.burnRates['1h']).toBeCloseTo(0.4, 9);
      expect(lat.status).toBe('ok');
    });

    it('tickets on a slow burn (0.8 % errors for 6 h: 8×), across a restart of the service', async () => {
      const { options, buckets } = await load(
        'component:default/slow',
        'slow-burn',
      );
      const report = reportFromBuckets(availability, buckets, END);
      expect(report.totalEvents).toBe(40_320_000);
      expect(report.badEvents).toBe(3000 + 360 * 8);
      expect(report.errorBudgetRemaining).toBeCloseTo(1 - 5880 / 40_320, 9);
      for (const w of ['5m', '30m', '1h', '6h'] as const) {
        expect(report.burnRates[w]).toBeCloseTo(8, 9);
      }
      expect(expectedBurn(options, 60, availability)).toBeCloseTo(8, 9);
      expect(report.alerts).toEqual({ page: false, ticket: true });
      expect(report.status).toBe('ticket');
    });

    it('is ok when quiet, and reruns write nothing twice', async () => {
      const { buckets } = await load('component:default/quiet', 'quiet');
      expect(buckets).toHaveLength(28 * 288);
      const report = reportFromBuckets(availability, buckets, END);
      expect(report.badEvents).toBe(3000);
      expect(report.burnRates['1h']).toBe(0);
      expect(report.status).toBe('ok');
      expect(report.alerts).toEqual({ page: false, ticket: false });

      const all = async () =>
        (
          await store.buckets(
            'component:default/quiet',
            'default',
            0,
            END + DAY_MS,
          )
        ).reduce((a, b) => a + b.total, 0);
      const before = await all();
      // the history's extra hour before the window is stored too (55 minutes after the first scrape)
      expect(before).toBe(40_320_000 + 55_000);
      expect(
        await aggregator.aggregate(
          'component:default/quiet',
          'default',
          END + 31_000,
        ),
      ).toBe(0);
      expect(
        await aggregator.aggregate(
          'component:default/quiet',
          'default',
          END + 200_000,
        ),
      ).toBe(0);
      expect(await all()).toBe(before);
    });

    it('gives the budget over a range, as the report at each step', async () => {
      const buckets = await store.buckets(
        'component:default/fast',
        'default',
        END - 2 * 3_600_000 - 28 * DAY_MS,
        END,
      );
      const times = historyTimes(END - 2 * 3_600_000, END, 1800, END);
      expect(times).toEqual([1.5, 1, 0.5, 0].map(h => END - h * 3_600_000));
      const points = historyFromBuckets(availability, buckets, times);
      points.forEach((p, i) => {
        const r = reportFromBuckets(availability, buckets, times[i]);
        expect(p.t).toBe(times[i]);
        expect(p.sli).toBeCloseTo(r.sli!, 12);
        expect(p.errorBudgetRemaining).toBeCloseTo(r.errorBudgetRemaining!, 12);
      });
      // the fast burn spends 600 bad requests every 30 minutes: 1.49 % of the budget
      const spent =
        points[2].errorBudgetRemaining! - points[3].errorBudgetRemaining!;
      expect(spent).toBeCloseTo(600 / 40_320, 6);
      expect(points[3].errorBudgetRemaining).toBeCloseTo(1 - 4200 / 40_320, 9);
    });

    it('says when the latency threshold is not a bound of the histogram', async () => {
      const buckets = await store.buckets(
        'component:default/quiet',
        'default',
        END - 3_600_000,
        END,
      );
      expect(() =>
        reportFromBuckets(
          {
            ...latency,
            indicator: { type: 'latency', thresholdSeconds: 0.25 },
          },
          buckets,
          END,
        ),
      ).toThrow(
        new SloDataError(
          "The latency threshold 0.25s of SLO latency is not a bucket bound of the service's http_request_duration_seconds histogram (bounds: 0.05, 0.1, 0.3, 0.5, 1)",
        ),
      );
    });

    it('has no data without requests, and prunes buckets older than the retention', async () => {
      expect(reportFromBuckets(availability, [], END).status).toBe('no-data');
      await aggregator.prune(END + 8 * DAY_MS); // retention 35 d: drops the first week
      const left = await store.buckets(
        'component:default/quiet',
        'default',
        0,
        END + DAY_MS,
      );
      expect(left[0].start).toBeGreaterThanOrEqual(
        END + 8 * DAY_MS - 35 * DAY_MS,
      );
    });

    it('aggregates real scrapes of a real /metrics (prom-client)', async () => {
      const service = await startFakeService({ name: 'live' });
      const http = new OutboundHttp(new HostAllowList(['127.0.0.1']), {
        timeoutMs: 5000,
        maxResponseBytes: 4 * 1024 * 1024,
        maxRedirects: 0,
      });
      const direct = new DirectMetricsSource({
        http,
        store: new SampleStore(knex),
        retentionMinutes: 120,
        freshnessSeconds: 0,
        sampleLimit: 20_000,
      });
      const target: ResolvedTarget = {
        entityRef: 'component:default/live',
        environment: 'default',
        serviceName: 'live',
        baseUrl: service.url,
        metricsSource: 'direct',
      };
      try {
        await drive(`${service.url}/v1/items/1?latency=0.02`, 5); // before the baseline
        await direct.poll(target);
        await drive(`${service.url}/v1/items/1?latency=0.02`, 30);
        await drive(`${service.url}/v1/items/2?latency=0.7`, 10);
        await drive(`${service.url}/v1/fail?latency=0.003`, 10);
        await direct.poll(target);
      } finally {
        await service.close();
        http.close();
      }
      // six minutes on, the buckets of both scrapes are closed
      const now = Date.now() + 6 * 60_000;
      await aggregator.aggregate(target.entityRef, 'default', now);
      const buckets = await store.buckets(target.entityRef, 'default', 0, now);
      const sum = (f: (b: (typeof buckets)[number]) => number) =>
        buckets.reduce((a, b) => a + f(b), 0);
      expect(sum(b => b.total)).toBe(50);
      expect(sum(b => b.statuses['5xx'] ?? 0)).toBe(10);
      expect(sum(b => b.statuses['2xx'] ?? 0)).toBe(40);
      // prom-client's bounds: 0.025 holds the 30 + 10 fast ones, 0.5 not the 10 slow ones
      expect(sum(b => b.le['0.025'])).toBe(40);
      expect(sum(b => b.le['0.5'])).toBe(40);
      expect(sum(b => b.le['1'])).toBe(50);
      const report = reportFromBuckets(
        availability,
        buckets,
        SloAggregator.closedUntil(now),
      );
      expect(report.sli).toBeCloseTo(0.8, 12);
    });

    it('costs a bounded number of bytes per service and day', async () => {
      // the table with its indexes, as each database counts it
      const rows = id.startsWith('POSTGRES')
        ? (
            await knex.raw(
              `SELECT pg_total_relation_size('service_health_slo_buckets') AS bytes,
              (SELECT count(*) FROM service_health_slo_buckets) AS n`,
            )
          ).rows
        : await knex.raw(
            `SELECT (SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%service_health_slo_buckets%') AS bytes,
              (SELECT count(*) FROM service_health_slo_buckets) AS n`,
          );
      const perBucket = Number(rows[0].bytes) / Number(rows[0].n);
      if (process.env.SERVICE_HEALTH_TEST_DEBUG) {
        // eslint-disable-next-line no-console
        console.log(
          `SLO buckets: ${rows[0].n} rows, ${rows[0].bytes} bytes, ${perBucket} bytes a bucket`,
        );
      }
      // README: ~300 bytes a bucket, 288 buckets a day → < 100 KiB a service a day
      expect(perBucket).toBeLessThan(400);
    });
  },
);
