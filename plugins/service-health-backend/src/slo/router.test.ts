import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Knex } from 'knex';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { component, entityApi } from '../__testUtils__/backend';
import { pluginTestDatabases } from '../__testUtils__/databases';
import { manualScheduler } from '../__testUtils__/scheduler';
import { serviceHealthPlugin } from '../plugin';
import { BUCKET_MS } from './buckets';
import { SLO_AGGREGATE_TASK_ID } from '.';
import { SloAggregator } from './SloAggregator';
import { scenario, syntheticSamples } from './__testUtils__/history';

/*
 * The SLO routes in a real Backstage test backend on each supported database
 * (the plugin's database from TestDatabases, migrated by the plugin): the
 * OpenSLO file is served over HTTP and read with the backend's UrlReader,
 * relative to the entity's source location; the direct scrape history is a
 * synthetic one written where the direct source keeps its samples.
 */
// SQLite always, PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
const databases = pluginTestDatabases();

jest.setTimeout(120_000);

const OPENSLO = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  indicator:
    metadata:
      name: non-5xx
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: fastify-backstage
            spec:
              events: non-5xx
        total:
          metricSource:
            type: fastify-backstage
            spec:
              events: all
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: latency
spec:
  indicator:
    metadata:
      name: fast
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: fastify-backstage
            spec:
              events: faster-than
              threshold: 300ms
        total:
          metricSource:
            type: fastify-backstage
            spec:
              events: all
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - targetPercent: 95
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: latency-250
spec:
  indicator:
    metadata:
      name: fast-250
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: fastify-backstage
            spec:
              events: faster-than
              threshold: 250ms
        total:
          metricSource:
            type: fastify-backstage
            spec:
              events: all
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - targetPercent: 95
`;

describe.each(databases.eachSupportedId())('SLO routes on %s', id => {
  const { scheduler, factory: schedulerFactory } = manualScheduler();
  let knex: Knex;
  let files: http.Server;
  let filesUrl: string;
  let backend: TestBackend;
  const served = new Map<string, string>([
    ['/repo/slo.yaml', OPENSLO],
    ['/bad/slo.yaml', OPENSLO.replace('duration: 28d', 'duration: 1M')],
  ]);

  const start = (features: any[] = []) => {
    const entity = (name: string, annotations: Record<string, string>) =>
      component(name, {
        'service-health.io/base-url': 'http://127.0.0.1:1',
        'backstage.io/source-location': `url:${filesUrl}/repo/`,
        ...annotations,
      });
    return startTestBackend({
      features: [
        serviceHealthPlugin,
        catalogServiceMock.factory({
          entities: [
            entity('orders', { 'fastify-backstage.io/openslo': './slo.yaml' }),
            entity('no-file', {
              'fastify-backstage.io/openslo': './nope.yaml',
            }),
            entity('invalid', {
              'fastify-backstage.io/openslo': `${filesUrl}/bad/slo.yaml`,
            }),
            entity('plain', {}),
          ],
        }),
        schedulerFactory,
        mockServices.database.factory({ knex }),
        ...features,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              reading: { allow: [{ host: new URL(filesUrl).host }] },
            },
            serviceHealth: { allowedHosts: ['127.0.0.1'] },
          },
        }),
      ],
    });
  };

  beforeAll(async () => {
    files = http.createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/yaml' });
      res.end(body ?? 'not found');
    });
    await new Promise<void>(r => files.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    knex = await databases.init(id);
    backend = await start();
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(r => files?.close(r));
  });

  it('answers the SLOs of the entity, from the direct scrape history', async () => {
    // The route evaluates at the last closed bucket of its own clock: start
    // well inside a bucket so that it is still the same one when it reads.
    const untilNextClose =
      SloAggregator.closedUntil(Date.now()) + BUCKET_MS + 30_000 - Date.now();
    if (untilNextClose < 30_000) {
      await new Promise(r => setTimeout(r, untilNextClose + 1000));
    }
    // a fast burn ending at the last closed bucket, written where the direct source keeps samples
    const end = SloAggregator.closedUntil(Date.now());
    await knex.batchInsert(
      'service_health_metric_samples',
      syntheticSamples(scenario('fast-burn', end)).map(s => ({
        entity_ref: 'component:default/orders',
        environment: 'default',
        scraped_at: s.t,
        sample: JSON.stringify(s),
      })),
      500,
    );
    // the scheduled task writes the buckets (the read would, too)
    await scheduler.triggerTask(SLO_AGGREGATE_TASK_ID);
    const [{ n }] = await knex('service_health_slo_buckets')
      .where({ entity_ref: 'component:default/orders' })
      .count({ n: '*' });
    expect(Number(n)).toBe(28 * 288 + 11); // and 55 minutes before the window

    const res = await request(backend.server).get(entityApi('orders/slos'));
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ source: 'direct', status: 'ok' });
    const data = res.body.data;
    expect(data).toMatchObject({
      entityRef: 'component:default/orders',
      environment: 'default',
      file: `${filesUrl}/repo/slo.yaml`,
    });
    expect(data.asOf).toBe(new Date(end).toISOString());
    const [availability, latency, latency250] = data.slos;
    expect(availability).toMatchObject({
      name: 'availability',
      target: 0.999,
      window: '28d',
      status: 'page',
      alerts: { page: true, ticket: false },
    });
    expect(availability.totalEvents).toBe(40_320_000);
    expect(availability.badEvents).toBe(4200);
    expect(availability.burnRates['1h']).toBeCloseTo(20, 9);
    expect(availability.errorBudgetRemaining).toBeCloseTo(1 - 4200 / 40_320, 9);
    expect(latency).toMatchObject({
      name: 'latency',
      target: 0.95,
      indicator: { type: 'latency', thresholdSeconds: 0.3 },
      status: 'ok',
    });
    // the data cannot answer this one; the others are still reported
    expect(latency250).toMatchObject({
      name: 'latency-250',
      status: 'error',
      error:
        "The latency threshold 0.25s of SLO latency-250 is not a bucket bound of the service's http_request_duration_seconds histogram (bounds: 0.05, 0.1, 0.3, 0.5, 1)",
    });
    expect(latency250.sli).toBeUndefined();
  });

  it('answers the budget over a range', async () => {
    const end = new Date(
      Date.parse(
        (await request(backend.server).get(entityApi('orders/slos'))).body.data
          .asOf,
      ),
    );
    const from = new Date(end.getTime() - 3_600_000).toISOString();
    const res = await request(backend.server).get(
      entityApi(
        `orders/slos/history?from=${from}&to=${end.toISOString()}&step=1800`,
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ source: 'direct', status: 'ok' });
    const [availability, , latency250] = res.body.data.slos;
    expect(availability.points.map((p: any) => p.t)).toEqual([
      end.getTime() - 1_800_000,
      end.getTime(),
    ]);
    expect(availability.points[1].errorBudgetRemaining).toBeCloseTo(
      1 - 4200 / 40_320,
      9,
    );
    expect(latency250).toMatchObject({ points: [], error: expect.any(String) });

    for (const q of ['step=60', `from=${end.toISOString()}&to=${from}`]) {
      const bad = await request(backend.server).get(
        entityApi(`orders/slos/history?${q}`),
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.name).toBe('InputError');
    }
  });

  it('exports the Prometheus rules of the entity', async () => {
    const res = await request(backend.server).get(
      entityApi('orders/slos/prometheus-rules'),
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    expect(res.text).toContain('alert: SloErrorBudgetBurnPage');
    expect(res.text).not.toContain('*a'); // no YAML aliases: readable
    expect(res.text).toContain(
      'sum(rate(http_request_duration_seconds_count{job="orders"}[5m]))',
    );
  });

  it('says what is wrong with the file, the annotation and the query', async () => {
    const missing = await request(backend.server).get(
      entityApi('no-file/slos'),
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(
      `The OpenSLO file ${filesUrl}/repo/nope.yaml does not exist`,
    );
    const invalid = await request(backend.server).get(
      entityApi('invalid/slos'),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.name).toBe('InputError');
    expect(invalid.body.error.message).toMatch(
      /^Invalid OpenSLO file .*\/bad\/slo.yaml: document 1 \(SLO availability\): timeWindow duration "1M"/,
    );
    const plain = await request(backend.server).get(entityApi('plain/slos'));
    expect(plain.status).toBe(404);
    expect(plain.body.error.message).toBe(
      'component:default/plain has no fastify-backstage.io/openslo annotation',
    );
    const env = await request(backend.server).get(
      entityApi('orders/slos?environment=Prod!'),
    );
    expect(env.status).toBe(400);
    const unknown = await request(backend.server).get(
      entityApi('orders/slos?environment=staging'),
    );
    expect(unknown.status).toBe(404);
  });
});

describe('SLO routes without the catalog read permission', () => {
  it('answers 403', async () => {
    const backend = await startTestBackend({
      features: [
        serviceHealthPlugin,
        catalogServiceMock.factory({
          entities: [
            component('orders', {
              'service-health.io/base-url': 'http://127.0.0.1:1',
              'fastify-backstage.io/openslo': 'http://127.0.0.1:1/slo.yaml',
            }),
          ],
        }),
        manualScheduler().factory,
        mockServices.permissions.factory({ result: AuthorizeResult.DENY }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
            serviceHealth: { allowedHosts: ['127.0.0.1'] },
          },
        }),
      ],
    });
    try {
      for (const path of ['orders/slos', 'orders/slos/prometheus-rules']) {
        const res = await request(backend.server).get(entityApi(path));
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
      }
    } finally {
      await backend.stop();
    }
  });
});
