import type { TestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from '../__testUtils__/backend';
import {
  drive,
  FakeService,
  startFakeService,
} from '../__testUtils__/fakeService';
import {
  instantQuery,
  RunningPrometheus,
  startPrometheus,
} from '../__testUtils__/prometheus';
import { manualScheduler, triggerHealthPoll } from '../__testUtils__/scheduler';

jest.setTimeout(90_000);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const JOB = 'fake-svc';

/**
 * A real Prometheus (Debian package) scrapes the same real service as the
 * direct source; both paths must give the same figures within tolerance.
 * No skipping: without Prometheus this test fails and says how to install it.
 */
describe('Prometheus metrics source against a real Prometheus', () => {
  let service: FakeService;
  let prometheus: RunningPrometheus | undefined;
  let backend: TestBackend;
  const { scheduler, factory: schedulerFactory } = manualScheduler();

  beforeAll(async () => {
    service = await startFakeService({ name: JOB });
    prometheus = await startPrometheus({
      job: JOB,
      targets: [`127.0.0.1:${service.port}`],
      scrapeInterval: '500ms',
    });
    backend = await startServiceHealthBackend({
      scheduler: schedulerFactory,
      entities: [
        component('orders', {
          'service-health.io/base-url': service.url,
          'service-health.io/base-url.prom': service.url,
          'service-health.io/prometheus-selector': `job="${JOB}"`,
        }),
      ],
      serviceHealth: {
        allowedHosts: ['127.0.0.1'],
        environments: [
          { name: 'default', metricsSource: 'direct' },
          { name: 'prom', metricsSource: 'prometheus' },
        ],
        metrics: {
          direct: { freshnessSeconds: 0 },
          prometheus: [{ id: 'prometheus', baseUrl: prometheus.url }],
        },
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await prometheus?.stop();
    await service?.close();
  });

  const api = (path: string) => entityApi(`orders/${path}`);

  it('returns the same figures as the direct scrape', async () => {
    // Series exist before the window (a series' first sample is Prometheus' baseline).
    await drive(`${service.url}/v1/items/0?latency=0.02`, 1);
    await drive(`${service.url}/v1/fail?latency=0.003`, 1);
    for (let i = 0; i < 50; i++) {
      const r = await instantQuery(
        prometheus!.url,
        `http_request_duration_seconds_count{job="${JOB}"}`,
      );
      if (r.length >= 2) break;
      await sleep(200);
    }
    await sleep(1200);

    // Waits until Prometheus has scraped the service after `since` (ms), and
    // its stored request count is `count` (so the load is fully in TSDB).
    const scrapedAfter = async (since: number, count?: number) => {
      for (let i = 0; i < 100; i++) {
        const r = await instantQuery(
          prometheus!.url,
          `max(timestamp(http_request_duration_seconds_count{job="${JOB}"})) * 1000`,
        );
        const c = await instantQuery(
          prometheus!.url,
          `sum(http_request_duration_seconds_count{job="${JOB}"})`,
        );
        if (
          Number(r[0]?.value[1]) > since &&
          (count === undefined || Number(c[0]?.value[1]) === count)
        ) {
          return;
        }
        await sleep(100);
      }
      throw new Error('Prometheus did not scrape the service in time');
    };

    const from = new Date();
    await triggerHealthPoll(scheduler); // the direct baseline sample
    await scrapedAfter(from.getTime()); // Prometheus has a baseline sample inside the window
    // A longer window makes increase()'s extrapolation to the window's edges smaller.
    await sleep(2000);
    const loadStart = Date.now();

    await drive(`${service.url}/v1/items/1?latency=0.02`, 60);
    await drive(`${service.url}/v1/items/2?latency=0.2`, 60);
    await drive(`${service.url}/v1/items/3?latency=0.7`, 30);
    await drive(`${service.url}/v1/fail?latency=0.003`, 30);

    await scrapedAfter(loadStart, 2 + 180); // the final values are in Prometheus
    await sleep(2000); // more scrapes at the final values
    const to = new Date();
    const q = `from=${from.toISOString()}&to=${to.toISOString()}`;

    const direct = await request(backend.server).get(
      api(`metrics/summary?${q}`),
    );
    const prom = await request(backend.server).get(
      api(`metrics/summary?environment=prom&${q}`),
    );
    expect(direct.body.source).toEqual({ source: 'direct', status: 'ok' });
    expect(prom.body.source).toEqual({ source: 'prometheus', status: 'ok' });
    const d = direct.body.data;
    const p = prom.body.data;
    if (process.env.SERVICE_HEALTH_TEST_DEBUG) {
      // eslint-disable-next-line no-console
      console.log(JSON.stringify({ direct: d, prometheus: p }, null, 1));
    }

    const route = (s: any, name: string) =>
      s.routes.find((r: any) => r.route === name);
    for (const name of ['/v1/items/:id', '/v1/fail']) {
      const dr = route(d, name);
      const pr = route(p, name);
      expect(dr).toBeDefined();
      expect(pr).toBeDefined();
      // increase() extrapolates to the window's edges: a few percent at most here
      expect(pr.requests).toBeGreaterThan(dr.requests * 0.9);
      expect(pr.requests).toBeLessThan(dr.requests * 1.15);
      expect(pr.errorRate).toBeCloseTo(dr.errorRate, 2);
      for (const k of ['p50Ms', 'p95Ms', 'p99Ms']) {
        expect(Math.abs(pr[k] - dr[k])).toBeLessThanOrEqual(
          Math.max(0.5, dr[k] * 0.02),
        );
      }
    }
    expect(route(d, '/v1/items/:id').requests).toBe(150);
    expect(route(d, '/v1/fail').requests).toBe(30);
    // Prometheus' counts are extrapolated: the API says so, the direct ones are exact.
    expect(p.countsEstimated).toBe(true);
    expect(d.countsEstimated).toBeUndefined();
    expect(d.errorRate).toBeCloseTo(30 / 180, 6);
    expect(p.errorRate).toBeCloseTo(d.errorRate, 2);
    expect(p.requestRate).toBeGreaterThan(d.requestRate * 0.85);
    expect(p.requestRate).toBeLessThan(d.requestRate * 1.15);
    for (const k of ['p50Ms', 'p95Ms', 'p99Ms']) {
      expect(Math.abs(p[k] - d[k])).toBeLessThanOrEqual(
        Math.max(0.5, d[k] * 0.02),
      );
    }
    // process figures: the same process (this test's own), read a moment apart by each source;
    // its memory moves with GC and the other suites in the worker, so only the magnitude must agree
    expect(p.process.residentMemoryBytes).toBeGreaterThan(
      d.process.residentMemoryBytes * 0.5,
    );
    expect(p.process.residentMemoryBytes).toBeLessThan(
      d.process.residentMemoryBytes * 2,
    );
    expect(p.process.cpuUsage).toBeGreaterThanOrEqual(0);
    expect(p.process.eventLoopLagP99Ms).toBeGreaterThanOrEqual(0);

    const series = await request(backend.server).get(
      api(`metrics/series?environment=prom&${q}&step=1`),
    );
    expect(series.body.source).toEqual({ source: 'prometheus', status: 'ok' });
    expect(series.body.data.points.some((pt: any) => pt.requestRate > 0)).toBe(
      true,
    );
  });

  it('says Prometheus is unreachable, not that the service is down', async () => {
    await prometheus!.stop();
    prometheus = undefined;
    const res = await request(backend.server).get(
      api('metrics/summary?environment=prom'),
    );
    expect(res.status).toBe(200);
    expect(res.body.source).toMatchObject({
      source: 'prometheus',
      status: 'unreachable',
    });
    const health = await request(backend.server).post(
      api('health/refresh?environment=prom'),
    );
    expect(health.body.data.status).toBe('pass');
  });
});
