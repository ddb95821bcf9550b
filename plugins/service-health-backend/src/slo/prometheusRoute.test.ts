import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { component, entityApi } from '../__testUtils__/backend';
import { manualScheduler } from '../__testUtils__/scheduler';
import { serviceHealthPlugin } from '../plugin';
import { startBackfilledPrometheus } from './__testUtils__/backfilledPrometheus';
import {
  knownCounts,
  scenario,
  syntheticSamples,
  toOpenMetrics,
} from './__testUtils__/history';
import { availabilitySloYaml } from './__testUtils__/openslo';

jest.setTimeout(120_000);

const OPENSLO = availabilitySloYaml({ window: '1d' });

/**
 * The SLO route of an environment whose metrics come from Prometheus: a real
 * Prometheus backfilled with a fast burn ending this minute, the route
 * evaluating at its own clock.
 */
describe('SLO route on a Prometheus environment', () => {
  let files: http.Server;
  let prometheus: Awaited<ReturnType<typeof startBackfilledPrometheus>>;
  let backend: TestBackend;
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const history = scenario('fast-burn', end, 1);

  beforeAll(async () => {
    files = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/yaml' });
      res.end(OPENSLO);
    });
    await new Promise<void>(r => files.listen(0, '127.0.0.1', r));
    const filesUrl = `http://127.0.0.1:${
      (files.address() as AddressInfo).port
    }`;
    prometheus = await startBackfilledPrometheus(
      toOpenMetrics(syntheticSamples(history), { job: 'orders' }),
    );
    backend = await startTestBackend({
      features: [
        serviceHealthPlugin,
        catalogServiceMock.factory({
          entities: [
            component('orders', {
              'service-health.io/base-url.prom': 'http://127.0.0.1:1',
              'service-health.io/prometheus-selector': 'job="orders"',
              'fastify-backstage.io/openslo': `${filesUrl}/slo.yaml`,
            }),
          ],
        }),
        manualScheduler().factory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              database: { client: 'better-sqlite3', connection: ':memory:' },
              reading: { allow: [{ host: new URL(filesUrl).host }] },
            },
            serviceHealth: {
              allowedHosts: ['127.0.0.1'],
              environments: [{ name: 'prom', metricsSource: 'prometheus' }],
              metrics: {
                prometheus: [{ id: 'prometheus', baseUrl: prometheus.url }],
              },
            },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await prometheus?.stop();
    await new Promise(r => files?.close(r));
  });

  it('answers the SLO from PromQL, and the rules select the annotated series', async () => {
    const res = await request(backend.server).get(entityApi('orders/slos'));
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ source: 'prometheus', status: 'ok' });
    const [slo] = res.body.data.slos;
    expect(res.body.data.environment).toBe('prom');
    expect(slo).toMatchObject({
      name: 'availability',
      window: '1d',
      status: 'page',
      alerts: { page: true, ticket: false },
    });
    // evaluated a little after the history's end: the windows slide by that much
    const day = knownCounts(history, 1440, 'availability');
    expect(slo.totalEvents).toBeGreaterThan(day.total * 0.99);
    expect(slo.totalEvents).toBeLessThan(day.total * 1.01);
    expect(slo.burnRates['1h']).toBeGreaterThan(19);
    expect(slo.burnRates['1h']).toBeLessThan(21);

    const range = await request(backend.server).get(
      entityApi('orders/slos/history?step=3600'),
    );
    expect(range.status).toBe(200);
    expect(range.body.source).toEqual({ source: 'prometheus', status: 'ok' });
    const points = range.body.data.slos[0].points;
    expect(points).toHaveLength(24); // the last day, hourly
    // the last point is the report's window: the same budget left
    expect(points[23].errorBudgetRemaining).toBeCloseTo(
      slo.errorBudgetRemaining,
      1,
    );

    const rules = await request(backend.server).get(
      entityApi('orders/slos/prometheus-rules?environment=prom'),
    );
    expect(rules.status).toBe(200);
    expect(rules.text).toContain(
      'sum(rate(http_request_duration_seconds_count{job="orders"}[1h]))',
    );
  });

  it('says Prometheus is unreachable', async () => {
    await prometheus.stop();
    const res = await request(backend.server).get(entityApi('orders/slos'));
    expect(res.status).toBe(200);
    expect(res.body.source).toMatchObject({
      source: 'prometheus',
      status: 'unreachable',
    });
    expect(res.body.data).toBeUndefined();
  });
});
