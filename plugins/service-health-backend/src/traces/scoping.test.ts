import type { TestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from '../__testUtils__/backend';
import { startServer } from './testUtils';
import otlpRequest from './__fixtures__/otlp-export-request.json';
import jaegerV1Trace from './__fixtures__/jaeger-v1-trace.json';
import jaegerV1NotFound from './__fixtures__/jaeger-v1-not-found.json';
import tempoV2Trace from './__fixtures__/tempo-v2-trace.json';

jest.setTimeout(60_000);

// The trace of every fixture: `orders` calls `inventory`; `billing` takes no part.
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const ENVIRONMENTS = ['production', 'jaeger', 'tempo'] as const;

/**
 * `GET …/traces/:traceId` through the real plugin, for each source: the
 * tracing backends hold every service's traces and look them up by id only,
 * while the caller's permission is on one entity.
 */
describe('a trace is only returned through an entity whose service is in it', () => {
  let backend: TestBackend;
  let jaeger: { url: string; close(): Promise<void> };
  let tempo: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    // Jaeger and Tempo in their wire formats: they answer any trace id asked.
    jaeger = await startServer(app => {
      app.get('/api/traces/:id', (req, res) => {
        if (req.params.id === TRACE_ID) res.json(jaegerV1Trace);
        else res.status(404).json(jaegerV1NotFound);
      });
    });
    tempo = await startServer(app => {
      app.get('/api/v2/traces/:id', (req, res) => {
        if (req.params.id === TRACE_ID) res.json(tempoV2Trace);
        else res.status(404).type('text/plain').send('trace not found');
      });
    });
    const annotations = (name: string) => ({
      'service-health.io/base-url.production': `http://127.0.0.1:1/${name}`,
      'service-health.io/base-url.jaeger': `http://127.0.0.1:1/${name}`,
      'service-health.io/base-url.tempo': `http://127.0.0.1:1/${name}`,
    });
    backend = await startServiceHealthBackend({
      entities: [
        component('orders', annotations('orders')),
        component('billing', annotations('billing')),
        component('stock', {
          ...annotations('stock'),
          'service-health.io/otel-service-name': 'inventory',
        }),
      ],
      serviceHealth: {
        allowedHosts: ['127.0.0.1'],
        health: { enabled: false },
        environments: [
          { name: 'production', tracesSource: 'embedded' },
          { name: 'jaeger', tracesSource: 'jaeger' },
          { name: 'tempo', tracesSource: 'tempo' },
        ],
        traces: {
          receiver: { allowUnauthenticated: true },
          jaeger: { baseUrl: jaeger.url, apiVersion: 'v1' },
          tempo: { baseUrl: tempo.url },
        },
      },
    });
    await request(backend.server)
      .post('/api/service-health/otlp/v1/traces')
      .send(otlpRequest)
      .expect(200);
  });

  afterAll(async () => {
    await backend?.stop();
    await jaeger?.close();
    await tempo?.close();
  });

  const getTrace = (entity: string, environment: string) =>
    request(backend.server).get(
      entityApi(`${entity}/traces/${TRACE_ID}?environment=${environment}`),
    );

  it.each(ENVIRONMENTS)(
    '%s: the trace through orders and through inventory, never through billing',
    async environment => {
      const own = await getTrace('orders', environment);
      expect(own.status).toBe(200);
      expect(own.body.data.traceId).toBe(TRACE_ID);
      expect(own.body.data.spans.map((s: any) => s.serviceName)).toContain(
        'orders',
      );

      // A downstream service of the trace sees it too (its own span is in it).
      const downstream = await getTrace('stock', environment);
      expect(downstream.status).toBe(200);
      expect(downstream.body.data.traceId).toBe(TRACE_ID);

      const other = await getTrace('billing', environment);
      expect(other.status).toBe(404);
      expect(other.body.error.name).toBe('NotFoundError');
      // Nothing of the trace leaks through the error.
      expect(JSON.stringify(other.body)).not.toMatch(
        /SELECT|inventory|spans|orders/,
      );
    },
  );

  it('embedded: a span of the service in another environment does not count', async () => {
    // The stored spans say `deployment.environment.name: production`.
    const res = await request(backend.server).get(
      entityApi(`orders/traces/${TRACE_ID}?environment=jaeger`),
    );
    expect(res.status).toBe(200); // through Jaeger, which knows no environments
    const backendWithStaging = await startServiceHealthBackend({
      entities: [
        component('orders', {
          'service-health.io/base-url.staging': 'http://127.0.0.1:1/orders',
        }),
      ],
      serviceHealth: {
        allowedHosts: ['127.0.0.1'],
        health: { enabled: false },
        environments: [{ name: 'production' }, { name: 'staging' }],
        traces: { receiver: { allowUnauthenticated: true } },
      },
    });
    try {
      await request(backendWithStaging.server)
        .post('/api/service-health/otlp/v1/traces')
        .send(otlpRequest)
        .expect(200);
      const staging = await request(backendWithStaging.server).get(
        entityApi(`orders/traces/${TRACE_ID}?environment=staging`),
      );
      expect(staging.status).toBe(404);
    } finally {
      await backendWithStaging.stop();
    }
  });
});
