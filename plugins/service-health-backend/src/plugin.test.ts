import {
  mockCredentials,
  mockServices,
  TestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from './__testUtils__/backend';
import {
  closedPort,
  drive,
  FakeService,
  startFakeService,
  startHangingServer,
} from './__testUtils__/fakeService';
import { manualScheduler, triggerHealthPoll } from './__testUtils__/scheduler';

jest.setTimeout(60_000);

const TIMEOUT_MS = 1000;

describe('service-health backend', () => {
  let good: FakeService;
  let hanging: { url: string; close(): Promise<void> };
  let outside: http.Server;
  let outsideHits = 0;
  let outsidePort: number;
  let downPort: number;
  let backend: TestBackend;
  const { scheduler, factory: schedulerFactory } = manualScheduler();

  beforeAll(async () => {
    good = await startFakeService({ name: 'orders' });
    hanging = await startHangingServer();
    downPort = await closedPort();
    // Listens on every loopback address; only 127.0.0.1 is allowed.
    outside = http.createServer((_req, res) => {
      outsideHits++;
      res.end('{"status":"pass"}');
    });
    await new Promise<void>(r => outside.listen(0, '0.0.0.0', r));
    outsidePort = (outside.address() as AddressInfo).port;

    const entities = [
      component('orders', {
        'service-health.io/base-url': good.url,
        'service-health.io/otel-service-name': 'orders-svc',
      }),
      component('broken', {
        'service-health.io/base-url': `http://127.0.0.1:${downPort}`,
      }),
      component('stuck', { 'service-health.io/base-url': hanging.url }),
      component('sneaky', {
        'service-health.io/base-url': `http://127.0.0.2:${outsidePort}`,
      }),
      component('metadata', {
        'service-health.io/base-url': 'http://169.254.169.254/latest',
      }),
      component('plain', {}),
    ];

    backend = await startServiceHealthBackend({
      entities,
      scheduler: schedulerFactory,
      serviceHealth: {
        allowedHosts: ['127.0.0.1'],
        http: { timeoutMs: TIMEOUT_MS },
        // 4 shards: the poll's time bound below counts one catalog read per shard
        health: { concurrency: 4, shards: 4, minRefreshIntervalSeconds: 0 },
        metrics: { direct: { freshnessSeconds: 0 } },
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await good?.close();
    await hanging?.close();
    await new Promise(r => outside?.close(r));
  });

  const api = entityApi;

  it('refuses unauthenticated calls with 401', async () => {
    const res = await request(backend.server)
      .get(api('orders/health'))
      .set('authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
    const res2 = await request(backend.server)
      .get(api('orders/environments'))
      .set('authorization', mockCredentials.user.invalidHeader());
    expect(res2.status).toBe(401);
  });

  it('validates input', async () => {
    const res = await request(backend.server).get(
      api('orders/health/history?from=yesterday'),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.name).toBe('InputError');
    const res2 = await request(backend.server).get(
      api('orders/traces/not-hex!'),
    );
    expect(res2.status).toBe(400);
    const res3 = await request(backend.server).get(api('nobody/health'));
    expect(res3.status).toBe(404);
    const res4 = await request(backend.server).get(api('plain/health'));
    expect(res4.status).toBe(404);
    const res5 = await request(backend.server).get(
      api('orders/health?environment=staging'),
    );
    expect(res5.status).toBe(404);
  });

  it('lists the environments of an entity', async () => {
    const res = await request(backend.server).get(api('orders/environments'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({
        name: 'default',
        baseUrl: good.url,
        metricsSource: 'direct',
      }),
    ]);
  });

  it('polls every service: up, down and hanging, within the timeout', async () => {
    const started = Date.now();
    await triggerHealthPoll(scheduler);
    const elapsed = Date.now() - started;
    // the hanging service costs one timeout, not more; the others don't wait for it
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);

    const ok = await request(backend.server).get(api('orders/health'));
    expect(ok.status).toBe(200);
    expect(ok.body.source).toEqual({ source: 'direct', status: 'ok' });
    expect(ok.body.data).toMatchObject({
      entityRef: 'component:default/orders',
      environment: 'default',
      status: 'pass',
      version: '1.2.3',
      liveness: { status: 'pass', httpStatus: 200 },
      readiness: { status: 'pass', httpStatus: 200 },
    });
    expect(ok.body.data.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'postgres:connection',
          status: 'pass',
          observedUnit: 'ms',
        }),
        expect.objectContaining({ name: 'redis:connection', status: 'pass' }),
        expect.objectContaining({ name: 'uptime:uptime' }),
      ]),
    );

    const down = await request(backend.server).get(api('broken/health'));
    expect(down.body.source.status).toBe('ok'); // we could poll; the service is down
    expect(down.body.data.status).toBe('down');
    expect(down.body.data.liveness.error).toMatch(/ECONNREFUSED/);

    const stuck = await request(backend.server).get(api('stuck/health'));
    expect(stuck.body.data.status).toBe('down');
    expect(stuck.body.data.liveness.error).toMatch(/within 1000 ms/);
  });

  it('a hanging service does not hang the API', async () => {
    const started = Date.now();
    const res = await request(backend.server).post(api('stuck/health/refresh'));
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('down');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
    // other services answer meanwhile
    const [a, b] = await Promise.all([
      request(backend.server).post(api('stuck/health/refresh')),
      request(backend.server).post(api('orders/health/refresh')),
    ]);
    expect(a.body.data.status).toBe('down');
    expect(b.body.data.status).toBe('pass');
  });

  it('reports a failing readiness with its checks', async () => {
    good.setReady('fail');
    const res = await request(backend.server).post(
      api('orders/health/refresh'),
    );
    good.setReady('pass');
    expect(res.body.data.status).toBe('fail');
    expect(res.body.data.readiness).toMatchObject({
      status: 'fail',
      httpStatus: 503,
    });
    expect(res.body.data.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'postgres:connection',
          status: 'fail',
        }),
      ]),
    );
  });

  it('accumulates history', async () => {
    await triggerHealthPoll(scheduler);
    await triggerHealthPoll(scheduler);
    const res = await request(backend.server).get(api('orders/health/history'));
    expect(res.status).toBe(200);
    expect(res.body.source.status).toBe('ok');
    expect(res.body.data.points.length).toBeGreaterThanOrEqual(4);
    expect(res.body.data.points.map((p: any) => p.status)).toContain('fail');
    expect(res.body.data.uptimeRatio).toBeGreaterThan(0);
    expect(res.body.data.uptimeRatio).toBeLessThan(1);
    const times = res.body.data.points.map((p: any) => Date.parse(p.checkedAt));
    expect([...times].sort()).toEqual(times);

    const down = await request(backend.server).get(
      api('broken/health/history'),
    );
    // Never up: not started yet, which is no uptime figure at all (not 0 %).
    expect(down.body.data.points.length).toBeGreaterThan(0);
    expect(down.body.data.firstUpAt).toBeUndefined();
    expect(down.body.data.uptimeRatio).toBeUndefined();
    expect(down.body.data.countedProbes).toBe(0);
  });

  it('tells never started from down, and dates an outage by its first failing probe', async () => {
    const never = await request(backend.server).get(api('broken/health'));
    const neverHistory = await request(backend.server).get(
      api('broken/health/history'),
    );
    const firstBroken = neverHistory.body.data.points[0].checkedAt;
    expect(never.body.data.status).toBe('down');
    expect(never.body.data.lifecycle).toEqual({
      firstProbeAt: firstBroken,
      downSince: firstBroken,
    });

    await request(backend.server).post(api('orders/health/refresh'));
    good.setReady('fail');
    const failed = await request(backend.server).post(
      api('orders/health/refresh'),
    );
    const again = await request(backend.server).post(
      api('orders/health/refresh'),
    );
    good.setReady('pass');
    const history = await request(backend.server).get(
      api('orders/health/history'),
    );
    const points = history.body.data.points;
    const lastPass = [...points]
      .reverse()
      .find((p: any) => p.status === 'pass');
    expect(again.body.data.lifecycle).toMatchObject({
      firstUpAt: points.find((p: any) => p.status === 'pass').checkedAt,
      lastUpAt: lastPass.checkedAt,
      // the first failure after the last pass, not the latest probe
      downSince: failed.body.data.checkedAt,
    });
    expect(history.body.data.countedFrom).toBe(history.body.data.firstUpAt);

    const back = await request(backend.server).post(
      api('orders/health/refresh'),
    );
    expect(back.body.data.status).toBe('pass');
    expect(back.body.data.lifecycle.downSince).toBeUndefined();
  });

  it('refuses annotations pointing outside the allow-list', async () => {
    for (const name of ['sneaky', 'metadata']) {
      const res = await request(backend.server).post(
        api(`${name}/health/refresh`),
      );
      expect(res.status).toBe(200);
      expect(res.body.data).toBeUndefined();
      expect(res.body.source).toMatchObject({
        source: 'direct',
        status: 'error',
      });
      expect(res.body.source.message).toMatch(
        /not allowed by serviceHealth.allowedHosts/,
      );
      const metrics = await request(backend.server).get(
        api(`${name}/metrics/summary`),
      );
      // Not a monitoring outage: the URL may not be called at all.
      expect(metrics.body.source).toMatchObject({
        status: 'error',
        reason: 'refused',
      });
      expect(metrics.body.source.message).toMatch(/not allowed/);
    }
    await triggerHealthPoll(scheduler);
    expect(outsideHits).toBe(0);
  });

  it('derives metrics from the direct scrape that match the load the service served', async () => {
    // the baseline sample (the poll takes one timeout because of the hanging service)
    const from = new Date().toISOString();
    await triggerHealthPoll(scheduler);
    // 50 requests at 20 ms, 50 at 200 ms, 25 failures at 3 ms
    await drive(`${good.url}/v1/items/1?latency=0.02`, 50);
    await drive(`${good.url}/v1/items/2?latency=0.2`, 50);
    await drive(`${good.url}/v1/fail?latency=0.003`, 25);
    await new Promise(r => setTimeout(r, 20));

    const res = await request(backend.server).get(
      api(`orders/metrics/summary?from=${from}`),
    );
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ source: 'direct', status: 'ok' });
    const d = res.body.data;
    const items = d.routes.find((r: any) => r.route === '/v1/items/:id');
    const fail = d.routes.find((r: any) => r.route === '/v1/fail');
    expect(items).toMatchObject({
      method: 'GET',
      requests: 50 + 50,
      errorRate: 0,
    });
    expect(fail).toMatchObject({ method: 'GET', requests: 25, errorRate: 1 });
    // histogram_quantile by hand over the buckets 0.01<..0.025 (50) and 0.1<..0.25 (50)
    expect(items.p50Ms).toBeCloseTo(25, 6);
    expect(items.p95Ms).toBeCloseTo(100 + 150 * (45 / 50), 6);
    expect(items.p99Ms).toBeCloseTo(100 + 150 * (49 / 50), 6);
    // 0.003 s all in the first bucket (0..0.005)
    expect(fail.p50Ms).toBeCloseTo(2.5, 6);
    expect(d.errorRate).toBeCloseTo(25 / 125, 6);
    expect(d.requestRate).toBeGreaterThan(0);
    expect(d.process.residentMemoryBytes).toBeGreaterThan(1e6);
    expect(d.process.heapUsedBytes).toBeGreaterThan(1e5);
    expect(d.process.cpuUsage).toBeGreaterThanOrEqual(0);
    expect(d.process.eventLoopLagP99Ms).toBeGreaterThanOrEqual(0);

    const series = await request(backend.server).get(
      api(
        `orders/metrics/series?from=${new Date(
          Date.now() - 60_000,
        ).toISOString()}&step=5`,
      ),
    );
    expect(series.status).toBe(200);
    expect(series.body.source.status).toBe('ok');
    expect(series.body.data.stepSeconds).toBe(5);
    const loaded = series.body.data.points.filter(
      (p: any) => p.requestRate > 0,
    );
    expect(loaded.length).toBeGreaterThan(0);
    // the step holding the load saw 25 failures out of 125
    expect(loaded.some((p: any) => Math.abs(p.errorRate - 0.2) < 1e-9)).toBe(
      true,
    );
  });

  it('wires the trace routes to the traces module', async () => {
    const res = await request(backend.server).get(
      api('orders/traces?errorsOnly=true&limit=5'),
    );
    expect(res.status).toBe(200);
    expect(res.body.source).toMatchObject({
      source: 'embedded',
      status: 'no-data',
    });
    const one = await request(backend.server).get(
      api('orders/traces/0123456789abcdef0123456789abcdef'),
    );
    expect(one.status).toBe(404);
  });

  it('says the monitoring source is unreachable when /metrics cannot be scraped', async () => {
    const res = await request(backend.server).get(
      api('broken/metrics/summary'),
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(res.body.source).toMatchObject({
      source: 'direct',
      status: 'unreachable',
      reason: 'connection',
    });
    expect(res.body.source.message).toMatch(/ECONNREFUSED/);
  });
});

describe('service-health backend without the catalog read permission', () => {
  it('answers 403', async () => {
    const backend = await startServiceHealthBackend({
      entities: [
        component('orders', {
          'service-health.io/base-url': 'http://127.0.0.1:1',
        }),
      ],
      features: [
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
      ],
      serviceHealth: { allowedHosts: ['127.0.0.1'] },
    });
    try {
      const res = await request(backend.server).get(entityApi('orders/health'));
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
    } finally {
      await backend.stop();
    }
  });
});
