import { ConfigReader } from '@backstage/config';
import type { Span } from '@fastify-backstage/plugin-service-health-common';
import knexFactory, { Knex } from 'knex';
import { readServiceHealthConfig } from '../config';
import { createTraceSources } from './index';
import { EmbeddedTraceSource } from './EmbeddedTraceSource';
import { migrate, startServer, testLogger } from './testUtils';
import otlpRequest from './__fixtures__/otlp-export-request.json';

/*
 * The embedded store on PostgreSQL (production's database), in a throwaway
 * database. Server: SERVICE_HEALTH_TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/test.
 */
const ADMIN_URL =
  process.env.SERVICE_HEALTH_TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const TRACE_ID = '5b8efff798038103d269b633813fc60c';

describe('embedded trace store on PostgreSQL', () => {
  const dbName = `sh_traces_${process.pid}_${Date.now()}`;
  let admin: Knex;
  let knex: Knex;

  beforeAll(async () => {
    admin = knexFactory({ client: 'pg', connection: ADMIN_URL });
    await admin.raw(`CREATE DATABASE ${dbName}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    knex = knexFactory({ client: 'pg', connection: url.toString() });
  });

  afterAll(async () => {
    await knex?.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.destroy();
  });

  it('migrates, receives, lists, reads and prunes', async () => {
    await migrate(knex);
    const traces = await createTraceSources({
      settings: readServiceHealthConfig(
        new ConfigReader({
          serviceHealth: {
            traces: {
              receiver: { tokens: ['pg-token'] },
              retention: { maxSpans: 6, maxAgeHours: 1 },
            },
          },
        }),
      ),
      database: knex,
      logger: testLogger(),
    });
    expect(await knex.schema.hasTable('service_health_trace_spans')).toBe(true);
    const server = await startServer(app =>
      app.use('/otlp', traces.otlpRouter),
    );
    try {
      const post = (token?: string) =>
        fetch(`${server.url}/otlp/v1/traces`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(otlpRequest),
        });
      expect((await post()).status).toBe(401);
      expect((await post('pg-token')).status).toBe(200);
      // A retried export does not duplicate spans.
      expect((await post('pg-token')).status).toBe(200);

      const embedded = traces.sources.get('embedded') as EmbeddedTraceSource;
      expect(await embedded.countSpans()).toBe(4);
      const target = {
        entityRef: 'component:default/inventory',
        environment: 'production',
        serviceName: 'inventory',
      };
      const window = {
        from: new Date(1795341600123 - 60_000),
        to: new Date(1795341600123 + 60_000),
        limit: 10,
      };
      const list = await embedded.listTraces(target, {
        ...window,
        errorsOnly: true,
        minDurationMs: 25,
        operation: 'GET /v1/stock',
      });
      expect(list).toEqual([
        {
          traceId: TRACE_ID,
          rootService: 'orders',
          rootOperation: 'GET /v1/orders/:id',
          rootDurationMs: 25.5,
          startTime: 1795341600123.456,
          durationMs: 25.5,
          spanCount: 4,
          errorCount: 2,
          services: ['inventory', 'orders'],
        },
      ]);
      expect(
        await embedded.listTraces(target, { ...window, minDurationMs: 26 }),
      ).toEqual([]);
      const trace = await embedded.getTrace(target, TRACE_ID);
      expect(trace!.spans.map(s => s.operation)).toEqual([
        'GET /v1/orders/:id',
        'GET',
        'GET /v1/stock',
        'pg.query:SELECT stock',
      ]);

      // Count bound: 4 + 4 new spans, at most 6 kept.
      const more: Span[] = trace!.spans.map(s => ({
        ...s,
        traceId: 'c'.repeat(32),
      }));
      await embedded.store(more);
      expect(await embedded.countSpans()).toBe(6);
      // Age bound.
      await embedded.prune(Date.now() + 2 * 3600_000);
      expect(await embedded.countSpans()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
