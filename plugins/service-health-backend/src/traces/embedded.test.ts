import { ConfigReader } from '@backstage/config';
import type { Span } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readServiceHealthConfig } from '../config';
import { createTraceSources, TraceSources } from './index';
import { EmbeddedTraceSource } from './EmbeddedTraceSource';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { startServer, testLogger } from './testUtils';

// SQLite always, PostgreSQL when BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
const databases = pluginTestDatabases();

// Each test spawns a Node process that loads the OpenTelemetry SDK and exports to the
// receiver: on 2 busy cores that has taken longer than Jest's 5 s default.
jest.setTimeout(60_000);

const TOKEN = 'test-token-123';

type SdkSpan = {
  batch: number;
  serviceName: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  links: Array<{ traceId: string; spanId: string; attributes: object }>;
  startTime: [number, number];
  duration: [number, number];
};

/**
 * Runs the real OpenTelemetry SDK and OTLP exporter in a child process
 * (__testUtils__/sdk-exporter.cjs) against the receiver.
 */
async function runSdk(input: {
  url: string;
  token?: string;
  protocol: 'json' | 'protobuf';
  compression?: 'gzip' | 'none';
  batches: Array<{ serviceName: string; traces: number; linked?: boolean }>;
}): Promise<{
  results: Array<{ code: number; error?: string }>;
  spans: SdkSpan[];
}> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      path.join(__dirname, '__testUtils__', 'sdk-exporter.cjs'),
      JSON.stringify(input),
    ],
    { cwd: path.resolve(__dirname, '../..'), timeout: 30_000 },
  );
  return JSON.parse(stdout);
}

const target = (serviceName: string) => ({
  entityRef: `component:default/${serviceName}`,
  environment: 'production',
  serviceName,
});

const window = () => ({
  from: new Date(Date.now() - 3600_000),
  to: new Date(Date.now() + 60_000),
  limit: 20,
});

describe.each(databases.eachSupportedId())(
  'embedded trace source with a real OpenTelemetry SDK on %s',
  id => {
    let knex: Knex;
    let traces: TraceSources;
    let server: { url: string; close(): Promise<void> };
    let endpoint: string;

    beforeAll(async () => {
      knex = await migratedDatabase(databases, id);
      traces = await createTraceSources({
        settings: readServiceHealthConfig(
          new ConfigReader({
            serviceHealth: {
              traces: {
                receiver: { tokens: [TOKEN] },
                retention: { maxSpans: 30, maxAgeHours: 1 },
              },
            },
          }),
        ),
        database: knex,
        logger: testLogger(),
      });
      server = await startServer(app =>
        app.use('/api/service-health/otlp', traces.otlpRouter),
      );
      endpoint = `${server.url}/api/service-health/otlp/v1/traces`;
    });

    afterAll(async () => {
      await server.close();
    });

    beforeEach(async () => {
      await knex('service_health_trace_spans').delete();
    });

    function checkTrace(spans: Span[], sdkSpans: SdkSpan[]) {
      const byName = (n: string) => spans.find(s => s.operation === n)!;
      const root = byName('GET /v1/items/:id');
      const query = byName('pg.query:SELECT');
      const publish = byName('items.changed publish');
      const sdkRoot = sdkSpans.find(s => s.name === 'GET /v1/items/:id')!;
      expect(root.spanId).toBe(sdkRoot.spanId);
      expect(root.traceId).toBe(sdkRoot.traceId);
      expect(query.spanId).toBe(
        sdkSpans.find(s => s.name === 'pg.query:SELECT')!.spanId,
      );
      expect(root.parentSpanId).toBeUndefined();
      expect(query.parentSpanId).toBe(root.spanId);
      expect(publish.parentSpanId).toBe(root.spanId);
      expect([root.kind, query.kind, publish.kind]).toEqual([
        'server',
        'client',
        'producer',
      ]);
      expect([root.status, query.status, publish.status]).toEqual([
        'error',
        'error',
        'ok',
      ]);
      expect(query.statusMessage).toBe('connection reset');
      expect(root.attributes).toEqual({
        'http.request.method': 'GET',
        'http.route': '/v1/items/:id',
        'http.response.status_code': 500,
        'app.flags': ['a', 'b'],
        'app.ratio': 0.25,
        'app.cached': false,
      });
      expect(query.events.map(e => e.name)).toEqual(['retry', 'exception']);
      expect(query.events[0].attributes).toEqual({ attempt: 2 });
      expect(query.events[1].attributes).toMatchObject({
        'exception.type': 'Error',
        'exception.message': 'connection reset',
      });
      expect(query.events[0].time).toBeGreaterThanOrEqual(query.startTime);
      expect(root.serviceName).toBe('checkout');
      expect(root.resource).toMatchObject({
        'service.version': '1.2.3',
        'deployment.environment.name': 'production',
      });
      expect(root.scope).toEqual({
        name: 'service-health-test',
        version: '0.0.1',
      });
      const [s, ns] = sdkRoot.startTime;
      expect(root.startTime).toBeCloseTo(
        s * 1000 + Math.floor(ns / 1000) / 1000,
        3,
      );
      const [ds, dns] = sdkRoot.duration;
      expect(root.durationMs).toBeCloseTo(ds * 1000 + dns / 1e6, 2);
    }

    it('receives OTLP/JSON from the SDK exporter and returns the trace', async () => {
      const { results, spans: sdkSpans } = await runSdk({
        url: endpoint,
        token: TOKEN,
        protocol: 'json',
        batches: [{ serviceName: 'checkout', traces: 1 }],
      });
      expect(results).toEqual([{ code: 0 }]);

      const embedded = traces.sources.get('embedded')!;
      const list = await embedded.listTraces(target('checkout'), window());
      expect(list).toHaveLength(1);
      const traceId = sdkSpans[0].traceId;
      expect(list[0]).toMatchObject({
        traceId,
        rootService: 'checkout',
        rootOperation: 'GET /v1/items/:id',
        spanCount: 3,
        errorCount: 2,
        services: ['checkout'],
      });
      const trace = await embedded.getTrace(target('checkout'), traceId);
      expect(trace!.spans).toHaveLength(3);
      checkTrace(trace!.spans, sdkSpans);
      expect(trace!.summary).toEqual(list[0]);
    });

    it('receives gzip-compressed OTLP/protobuf from the SDK exporter', async () => {
      const { results, spans: sdkSpans } = await runSdk({
        url: endpoint,
        token: TOKEN,
        protocol: 'protobuf',
        compression: 'gzip',
        batches: [{ serviceName: 'checkout', traces: 1 }],
      });
      expect(results).toEqual([{ code: 0 }]);
      const trace = await traces.sources
        .get('embedded')!
        .getTrace(target('checkout'), sdkSpans[0].traceId.toUpperCase());
      checkTrace(trace!.spans, sdkSpans);
    });

    it.each(['json', 'protobuf'] as const)(
      'keeps OTLP span links (%s) and returns them with the trace',
      async protocol => {
        const { results, spans: sdkSpans } = await runSdk({
          url: endpoint,
          token: TOKEN,
          protocol,
          batches: [{ serviceName: 'checkout', traces: 1, linked: true }],
        });
        expect(results).toEqual([{ code: 0 }]);
        const publish = sdkSpans.find(s => s.name === 'items.changed publish')!;
        const consume = sdkSpans.find(s => s.name === 'items.changed process')!;
        expect(consume.traceId).not.toBe(publish.traceId);
        expect(consume.links).toEqual([
          {
            traceId: publish.traceId,
            spanId: publish.spanId,
            attributes: { 'messaging.operation.type': 'process' },
          },
        ]);
        const embedded = traces.sources.get('embedded')!;
        const trace = await embedded.getTrace(
          target('checkout'),
          consume.traceId,
        );
        expect(trace!.spans).toHaveLength(1);
        expect(trace!.spans[0].links).toEqual(consume.links);
        // Spans without links have none in the model.
        const origin = await embedded.getTrace(
          target('checkout'),
          publish.traceId,
        );
        expect(origin!.spans.every(s => s.links === undefined)).toBe(true);
      },
    );

    it('refuses an exporter without the token (401) and stores nothing', async () => {
      for (const protocol of ['json', 'protobuf'] as const) {
        const { results } = await runSdk({
          url: endpoint,
          protocol,
          batches: [{ serviceName: 'checkout', traces: 1 }],
        });
        expect(results[0].code).toBe(1); // ExportResultCode.FAILED
        expect(results[0].error).toMatch(/401|Unauthorized/i);
      }
      const embedded = traces.sources.get('embedded') as EmbeddedTraceSource;
      expect(await embedded.countSpans()).toBe(0);
    });

    it('applies the filters: errors only, minimum duration, operation, service, environment', async () => {
      const { results } = await runSdk({
        url: endpoint,
        token: TOKEN,
        protocol: 'protobuf',
        batches: [
          { serviceName: 'checkout', traces: 2 },
          { serviceName: 'billing', traces: 1 },
        ],
      });
      expect(results).toEqual([{ code: 0 }, { code: 0 }]);
      const embedded = traces.sources.get('embedded')!;
      const w = window();
      expect(await embedded.listTraces(target('checkout'), w)).toHaveLength(2);
      expect(await embedded.listTraces(target('billing'), w)).toHaveLength(1);
      expect(
        await embedded.listTraces(target('checkout'), {
          ...w,
          errorsOnly: true,
        }),
      ).toHaveLength(2);
      expect(
        await embedded.listTraces(target('checkout'), {
          ...w,
          operation: 'pg.query:SELECT',
        }),
      ).toHaveLength(2);
      expect(
        await embedded.listTraces(target('checkout'), {
          ...w,
          operation: 'nope',
        }),
      ).toHaveLength(0);
      expect(
        await embedded.listTraces(target('checkout'), {
          ...w,
          minDurationMs: 60_000,
        }),
      ).toHaveLength(0);
      expect(
        await embedded.listTraces(target('checkout'), {
          ...w,
          minDurationMs: 0.001,
        }),
      ).toHaveLength(2);
      expect(
        await embedded.listTraces(target('checkout'), { ...w, limit: 1 }),
      ).toHaveLength(1);
      expect(
        await embedded.listTraces(
          { ...target('checkout'), environment: 'staging' },
          w,
        ),
      ).toHaveLength(0);
      // The `default` environment also shows spans of environments not configured.
      expect(
        await embedded.listTraces(
          { ...target('checkout'), environment: 'default' },
          w,
        ),
      ).toHaveLength(2);
      const withEnvironments = new EmbeddedTraceSource({
        knex,
        logger: testLogger(),
        environments: ['default', 'production'],
      });
      expect(
        await withEnvironments.listTraces(
          { ...target('checkout'), environment: 'default' },
          w,
        ),
      ).toHaveLength(0);
      expect(
        await withEnvironments.listTraces(target('checkout'), w),
      ).toHaveLength(2);
      expect(
        await embedded.listTraces(target('checkout'), {
          ...w,
          from: new Date(Date.now() + 3600_000),
          to: new Date(Date.now() + 7200_000),
        }),
      ).toHaveLength(0);
      expect(
        await embedded.getTrace(target('checkout'), 'not-hex'),
      ).toBeUndefined();
      expect(
        await embedded.getTrace(target('checkout'), 'a'.repeat(32)),
      ).toBeUndefined();
    });

    it('keeps at most retention.maxSpans spans, the newest', async () => {
      // 3 spans per trace, 3 traces per export, 5 exports = 45 spans; the bound is 30.
      const { results, spans } = await runSdk({
        url: endpoint,
        token: TOKEN,
        protocol: 'json',
        batches: Array.from({ length: 5 }, () => ({
          serviceName: 'checkout',
          traces: 3,
        })),
      });
      expect(results.every(r => r.code === 0)).toBe(true);
      const embedded = traces.sources.get('embedded') as EmbeddedTraceSource;
      expect(await embedded.countSpans()).toBe(30);
      const list = await embedded.listTraces(target('checkout'), {
        ...window(),
        limit: 100,
      });
      const kept = new Set(list.map(t => t.traceId));
      // The last export's traces are all kept; the first export's are gone.
      for (const s of spans.filter(x => x.batch === 4)) {
        expect(kept.has(s.traceId)).toBe(true);
      }
      for (const s of spans.filter(x => x.batch === 0)) {
        expect(kept.has(s.traceId)).toBe(false);
      }
    });
  },
);

describe.each(databases.eachSupportedId())(
  'embedded retention by age on %s',
  id => {
    it('deletes spans received longer ago than maxAgeHours, on write and on prune', async () => {
      const knex = await migratedDatabase(databases, id);
      const source = new EmbeddedTraceSource({
        knex,
        logger: testLogger(),
        retention: { maxSpans: 1000, maxAgeHours: 2 },
      });
      const span = (traceId: string, spanId: string): Span => ({
        traceId,
        spanId,
        serviceName: 'svc',
        operation: 'op',
        kind: 'server',
        status: 'unset',
        startTime: Date.now(),
        durationMs: 1,
        attributes: {},
        events: [],
      });
      const now = Date.now();
      await source.store(
        [span('1'.repeat(32), '1'.repeat(16))],
        now - 3 * 3600_000,
      );
      await source.store(
        [span('2'.repeat(32), '2'.repeat(16))],
        now - 1 * 3600_000,
      );
      expect(await source.countSpans()).toBe(2); // pruned relative to the write's own time
      await source.store([span('3'.repeat(32), '3'.repeat(16))], now);
      expect(await source.countSpans()).toBe(2);
      expect(
        await source.getTrace(target('svc'), '1'.repeat(32)),
      ).toBeUndefined();
      await source.prune(now + 1.5 * 3600_000);
      expect(await source.countSpans()).toBe(1);
      expect(
        await source.getTrace(target('svc'), '3'.repeat(32)),
      ).toBeDefined();
      // A re-sent span (retried export) is stored once.
      await source.store([span('3'.repeat(32), '3'.repeat(16))], now);
      expect(await source.countSpans()).toBe(1);
    });
  },
);
