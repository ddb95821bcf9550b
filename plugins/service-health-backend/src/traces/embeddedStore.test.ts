import { ConfigReader } from '@backstage/config';
import type { Span } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import { readServiceHealthConfig } from '../config';
import { pluginTestDatabases } from '../__testUtils__/databases';
import { createTraceSources } from './index';
import { EmbeddedTraceSource } from './EmbeddedTraceSource';
import { migrate, startServer, testLogger } from './testUtils';
import otlpRequest from './__fixtures__/otlp-export-request.json';

/*
 * The embedded store on each supported database: SQLite always, PostgreSQL
 * (production's database) when
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
 */
const databases = pluginTestDatabases();
const TRACE_ID = '5b8efff798038103d269b633813fc60c';

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())('embedded trace store on %s', id => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(id);
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
