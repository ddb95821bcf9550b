import { ConfigReader } from '@backstage/config';
import type {
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import { readServiceHealthConfig } from '../config';
import { createTraceSources, TraceSources } from './index';
import { convertJaegerTrace, JaegerTraceSource } from './JaegerTraceSource';
import { buildTraceQL, TempoTraceSource } from './TempoTraceSource';
import { TraceSourceUnavailableError } from './types';
import { DEFAULT_UPSTREAM_LIMITS, getJson } from './upstream';
import {
  migratedDatabase,
  pluginTestDatabases,
} from '../__testUtils__/databases';
import { startServer, testLogger } from './testUtils';

// The embedded store is one source among four here: SQLite is enough
// (embedded.test.ts covers the store on PostgreSQL).
const databases = pluginTestDatabases();
import otlpRequest from './__fixtures__/otlp-export-request.json';
import jaegerV1Trace from './__fixtures__/jaeger-v1-trace.json';
import jaegerV1Search from './__fixtures__/jaeger-v1-search.json';
import jaegerV1NotFound from './__fixtures__/jaeger-v1-not-found.json';
import jaegerV3Trace from './__fixtures__/jaeger-v3-trace.json';
import jaegerV3NotFound from './__fixtures__/jaeger-v3-not-found.json';
import tempoV2Trace from './__fixtures__/tempo-v2-trace.json';
import tempoSearch from './__fixtures__/tempo-search.json';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const T0_MS = 1795341600123.456;
const target = {
  entityRef: 'component:default/orders',
  environment: 'production',
  serviceName: 'orders',
};
const query = {
  from: new Date(T0_MS - 3600_000),
  to: new Date(T0_MS + 3600_000),
  limit: 20,
};
const http = { ...DEFAULT_UPSTREAM_LIMITS };

type Server = { url: string; close(): Promise<void> };
type Seen = { path: string; query: Record<string, any> };

/** A fake upstream answering with the recorded wire formats. */
async function upstream(
  routes: Record<string, (id?: string) => [number, unknown]>,
): Promise<Server & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await startServer(app => {
    app.get(/.*/, (req, res) => {
      seen.push({ path: req.path, query: req.query as any });
      for (const [pattern, handler] of Object.entries(routes)) {
        const m = new RegExp(`^${pattern}$`).exec(req.path);
        if (m) {
          const [status, body] = handler(m[1]);
          res.status(status);
          if (typeof body === 'string') res.type('text/plain').send(body);
          else res.json(body);
          return;
        }
      }
      res.status(404).type('text/plain').send('404 page not found');
    });
  });
  return { ...server, seen };
}

const withoutLinks = (t: Trace): Trace => ({
  ...t,
  summary: { ...t.summary, deepLink: undefined },
});
const summaryWithoutLink = ({ deepLink: _, ...rest }: TraceSummary) => rest;

describe('Jaeger and Tempo sources on their real wire formats', () => {
  let jaegerV1: Server & { seen: Seen[] };
  let jaegerV2: Server & { seen: Seen[] };
  let tempo: Server & { seen: Seen[] };
  let tempoV1Only: Server & { seen: Seen[] };
  let receiver: Server;
  let knex: Knex;
  let traces: TraceSources;

  beforeAll(async () => {
    jaegerV1 = await upstream({
      '/api/traces': () => [200, jaegerV1Search],
      '/api/traces/([^/]+)': id =>
        id === TRACE_ID ? [200, jaegerV1Trace] : [404, jaegerV1NotFound],
    });
    jaegerV2 = await upstream({
      '/api/v3/traces': () => [200, jaegerV3Trace],
      '/api/v3/traces/([^/]+)': id =>
        id === TRACE_ID ? [200, jaegerV3Trace] : [404, jaegerV3NotFound],
    });
    tempo = await upstream({
      '/api/search': () => [200, tempoSearch],
      '/api/v2/traces/([^/]+)': id =>
        id === TRACE_ID ? [200, tempoV2Trace] : [404, 'trace not found'],
    });
    // Tempo before /api/v2: v1 answers the OTLP JSON batches without a wrapper.
    tempoV1Only = await upstream({
      '/api/search': () => [
        200,
        {
          traces: tempoSearch.traces.map(({ serviceStats: _, ...t }) => t),
        },
      ],
      '/api/traces/([^/]+)': id =>
        id === TRACE_ID
          ? [200, { batches: tempoV2Trace.trace.resourceSpans }]
          : [404, 'trace not found'],
    });

    knex = await migratedDatabase(databases, 'SQLITE_3');
    traces = await createTraceSources({
      settings: readServiceHealthConfig(
        new ConfigReader({
          serviceHealth: {
            traces: {
              source: 'embedded',
              receiver: { allowUnauthenticated: true },
              jaeger: {
                baseUrl: jaegerV1.url,
                apiVersion: 'v1',
                uiUrl: 'https://jaeger.example.com/',
              },
              tempo: {
                baseUrl: tempo.url,
                grafanaUrl: 'https://grafana.example.com',
                datasourceUid: 'tempo-uid',
              },
            },
          },
        }),
      ),
      database: knex,
      logger: testLogger(),
    });
    receiver = await startServer(app => app.use('/otlp', traces.otlpRouter));
    const res = await fetch(`${receiver.url}/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(otlpRequest),
    });
    if (res.status !== 200) throw new Error(`receiver answered ${res.status}`);
  });

  afterAll(async () => {
    for (const s of [jaegerV1, jaegerV2, tempo, tempoV1Only, receiver]) {
      await s.close();
    }
  });

  const jaegerV2Source = () =>
    new JaegerTraceSource({ baseUrl: jaegerV2.url, apiVersion: 'v2', http });

  it('gives the same trace model from the embedded store, Jaeger v1, Jaeger v2 and Tempo', async () => {
    const embedded = await traces.sources
      .get('embedded')!
      .getTrace(target, TRACE_ID);
    const fromJaegerV1 = await traces.sources
      .get('jaeger')!
      .getTrace(target, TRACE_ID);
    const fromJaegerV2 = await jaegerV2Source().getTrace(target, TRACE_ID);
    const fromTempo = await traces.sources
      .get('tempo')!
      .getTrace(target, TRACE_ID);
    const fromTempoV1 = await new TempoTraceSource({
      baseUrl: tempoV1Only.url,
      search: 'traceql',
      http,
    }).getTrace(target, TRACE_ID);

    expect(embedded).toBeDefined();
    expect(embedded!.spans).toHaveLength(4);
    // The model itself, checked once on the embedded path.
    const byName = Object.fromEntries(
      embedded!.spans.map(s => [s.operation, s]),
    );
    expect(byName['GET /v1/orders/:id']).toEqual({
      traceId: TRACE_ID,
      spanId: 'eee19b7ec3c1b174',
      serviceName: 'orders',
      operation: 'GET /v1/orders/:id',
      kind: 'server',
      status: 'error',
      statusMessage: 'upstream failed',
      startTime: 1795341600123.456,
      durationMs: 25.5,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/v1/orders/:id',
        'http.response.status_code': 500,
        'url.path': '/v1/orders/42',
      },
      events: [],
      resource: {
        'service.version': '1.4.2',
        'deployment.environment.name': 'production',
        'host.name': 'orders-7d9f',
      },
      scope: { name: '@fastify/otel', version: '0.21.0' },
    });
    expect(byName['GET /v1/stock']).toMatchObject({
      parentSpanId: 'eee19b7ec3c1b173',
      serviceName: 'inventory',
      attributes: { 'db.ok': false, 'retry.ratio': 0.5 },
      events: [
        {
          name: 'exception',
          time: 1795341600140.456,
          attributes: {
            'exception.type': 'TimeoutError',
            'exception.message': 'query timed out',
          },
        },
      ],
    });
    expect(byName['pg.query:SELECT stock']).toMatchObject({
      kind: 'internal',
      status: 'ok',
      durationMs: 12.25,
    });
    expect(embedded!.summary).toEqual({
      traceId: TRACE_ID,
      rootService: 'orders',
      rootOperation: 'GET /v1/orders/:id',
      rootDurationMs: 25.5,
      startTime: 1795341600123.456,
      durationMs: 25.5,
      spanCount: 4,
      errorCount: 2,
      services: ['inventory', 'orders'],
    });

    for (const other of [fromJaegerV1, fromJaegerV2, fromTempo, fromTempoV1]) {
      expect(other).toBeDefined();
      expect(withoutLinks(other!)).toEqual(withoutLinks(embedded!));
    }
    expect(fromJaegerV1!.summary.deepLink).toBe(
      `https://jaeger.example.com/trace/${TRACE_ID}`,
    );
    const link = new URL(fromTempo!.summary.deepLink!);
    expect(link.origin + link.pathname).toBe(
      'https://grafana.example.com/explore',
    );
    const panes = JSON.parse(link.searchParams.get('panes')!);
    expect(panes.trace.datasource).toBe('tempo-uid');
    expect(panes.trace.queries[0].query).toBe(TRACE_ID);
  });

  it('lists the same trace from every source', async () => {
    const lists = {
      embedded: await traces.sources.get('embedded')!.listTraces(target, query),
      jaegerV1: await traces.sources.get('jaeger')!.listTraces(target, query),
      jaegerV2: await jaegerV2Source().listTraces(target, query),
      tempo: await traces.sources.get('tempo')!.listTraces(target, query),
      tempoWithoutStats: await new TempoTraceSource({
        baseUrl: tempoV1Only.url,
        search: 'traceql',
        http,
      }).listTraces(target, query),
    };
    const reference = summaryWithoutLink(lists.embedded[0]);
    expect(lists.embedded).toHaveLength(1);
    for (const [name, list] of Object.entries(lists)) {
      expect([name, list.length]).toEqual([name, 1]);
      const s = summaryWithoutLink(list[0]);
      // Tempo's search reports whole milliseconds.
      // Tempo's search reports whole milliseconds.
      const tolerance = name === 'tempo' ? 1 : 1e-9;
      expect(Math.abs(s.durationMs - reference.durationMs)).toBeLessThan(
        tolerance,
      );
      // Tempo's search has no root span duration (the model leaves it out);
      // every other source gives the request's own duration.
      expect([name, s.rootDurationMs]).toEqual([
        name,
        name === 'tempo' ? undefined : reference.rootDurationMs,
      ]);
      expect({ ...s, durationMs: 0, rootDurationMs: 0 }).toEqual({
        ...reference,
        durationMs: 0,
        rootDurationMs: 0,
      });
    }
    expect(lists.tempo[0].deepLink).toContain('grafana.example.com');
  });

  it('sends the filters in each API’s own parameters', async () => {
    const filtered = {
      ...query,
      errorsOnly: true,
      minDurationMs: 1.5,
      operation: 'GET /v1/orders/:id',
    };
    jaegerV1.seen.length = 0;
    const v1 = await traces.sources.get('jaeger')!.listTraces(target, filtered);
    expect(v1).toHaveLength(1);
    expect(jaegerV1.seen[0]).toEqual({
      path: '/api/traces',
      query: {
        service: 'orders',
        operation: 'GET /v1/orders/:id',
        start: String(query.from.getTime() * 1000),
        end: String(query.to.getTime() * 1000),
        limit: '100',
        minDuration: '1500us',
        tags: '{"error":"true"}',
      },
    });

    jaegerV2.seen.length = 0;
    await jaegerV2Source().listTraces(target, filtered);
    expect(jaegerV2.seen[0].path).toBe('/api/v3/traces');
    expect(jaegerV2.seen[0].query).toEqual({
      'query.service_name': 'orders',
      'query.operation_name': 'GET /v1/orders/:id',
      'query.start_time_min': new Date(T0_MS - 3600_000).toISOString(),
      'query.start_time_max': new Date(T0_MS + 3600_000).toISOString(),
      'query.num_traces': '100',
      'query.duration_min': '1500us',
    });

    tempo.seen.length = 0;
    expect(
      await traces.sources.get('tempo')!.listTraces(target, filtered),
    ).toHaveLength(1);
    expect(tempo.seen[0].path).toBe('/api/search');
    expect(tempo.seen[0].query.q).toBe(
      '{ resource.service.name = "orders" && name = "GET /v1/orders/:id" } && { status = error } && { traceDuration >= 1500us }',
    );
    expect(tempo.seen[0].query.start).toBe(
      String(Math.floor((T0_MS - 3600_000) / 1000)),
    );

    // Filters are applied to the answers too: this trace is shorter than 60 s.
    expect(
      await traces.sources
        .get('jaeger')!
        .listTraces(target, { ...query, minDurationMs: 60_000 }),
    ).toHaveLength(0);
    expect(
      await traces.sources
        .get('tempo')!
        .listTraces(target, { ...query, minDurationMs: 60_000 }),
    ).toHaveLength(0);
  });

  it('quotes TraceQL values instead of splicing them', () => {
    expect(buildTraceQL('a"b\\c', { ...query, operation: '} || { true' })).toBe(
      '{ resource.service.name = "a\\"b\\\\c" && name = "} || { true" }',
    );
  });

  it('returns undefined for unknown traces', async () => {
    const other = 'ffffffffffffffffffffffffffffffff';
    for (const source of [
      traces.sources.get('jaeger')!,
      jaegerV2Source(),
      traces.sources.get('tempo')!,
      traces.sources.get('embedded')!,
    ]) {
      expect(await source.getTrace(target, other)).toBeUndefined();
      expect(await source.getTrace(target, '../../etc')).toBeUndefined();
    }
  });

  it('reports an unreachable, hanging, redirecting, oversized or failing upstream as unavailable', async () => {
    const closed = await startServer(() => {});
    const closedUrl = closed.url;
    await closed.close();
    const other = await startServer(app =>
      app.get(/.*/, (_req, res) => {
        res.json(jaegerV1Trace);
      }),
    );
    const hanging = await startServer(app =>
      app.get(/.*/, () => {
        /* never answers */
      }),
    );
    const odd = await startServer(app => {
      app.get('/api/traces/:id', (req, res) => {
        if (req.query.hop === 'same') {
          res.json(jaegerV1Trace);
        } else if (req.query.hop === 'other') {
          res.redirect(
            302,
            `${other.url.replace('127.0.0.1', 'localhost')}/api/traces/${
              req.params.id
            }`,
          );
        } else {
          res.redirect(302, `/api/traces/${req.params.id}?hop=same`);
        }
      });
      app.get('/api/traces', (_req, res) => {
        res.status(502).send('bad gateway');
      });
    });
    try {
      const make = (baseUrl: string, extra = {}) =>
        new JaegerTraceSource({
          baseUrl,
          apiVersion: 'v1',
          http: { ...http, timeoutMs: 300, ...extra },
        });
      await expect(make(closedUrl).getTrace(target, TRACE_ID)).rejects.toThrow(
        TraceSourceUnavailableError,
      );
      const started = Date.now();
      await expect(
        make(hanging.url).getTrace(target, TRACE_ID),
      ).rejects.toThrow(/timed out/);
      expect(Date.now() - started).toBeLessThan(3000);
      // A same-origin redirect is followed.
      expect(await make(odd.url).getTrace(target, TRACE_ID)).toBeDefined();
      await expect(
        new TempoTraceSource({
          baseUrl: closedUrl,
          search: 'traceql',
          http,
        }).listTraces(target, query),
      ).rejects.toThrow(TraceSourceUnavailableError);
      await expect(make(odd.url).listTraces(target, query)).rejects.toThrow(
        /502/,
      );
      await expect(
        make(other.url, { maxResponseBytes: 1000 }).getTrace(target, TRACE_ID),
      ).rejects.toThrow(/limit/);
      // A redirect to another origin is refused.
      await expect(
        getJson(new URL(`${odd.url}/api/traces/${TRACE_ID}?hop=other`), {
          ...http,
          sourceId: 'jaeger',
        }),
      ).rejects.toThrow(/another origin/);
    } finally {
      await other.close();
      await hanging.close();
      await odd.close();
    }
  });

  it('reads Jaeger references other than the parent as span links', () => {
    const trace = structuredClone(jaegerV1Trace.data[0]) as any;
    const linked = '0af7651916cd43dd8448eb211c80319c';
    trace.spans[1].references.push({
      refType: 'FOLLOWS_FROM',
      traceID: linked,
      spanID: 'b7ad6b7169203331',
    });
    const spans = convertJaegerTrace(trace);
    const span = spans.find(s => s.spanId === trace.spans[1].spanID)!;
    expect(span.parentSpanId).toBe(trace.spans[1].references[0].spanID);
    expect(span.links).toEqual([
      { traceId: linked, spanId: 'b7ad6b7169203331', attributes: {} },
    ]);
    expect(spans.filter(s => s.links).length).toBe(1);
  });

  it('validates the configuration', async () => {
    const make = async (tracesConfig: object) =>
      createTraceSources({
        settings: readServiceHealthConfig(
          new ConfigReader({ serviceHealth: { traces: tracesConfig } }),
        ),
        database: knex,
        logger: testLogger(),
      });
    await expect(make({ source: 'zipkin' })).rejects.toThrow(/source/);
    await expect(make({ source: 'jaeger' })).rejects.toThrow(/not configured/);
    await expect(
      make({ jaeger: { baseUrl: jaegerV1.url, apiVersion: 'v9' } }),
    ).rejects.toThrow(/apiVersion/);
    const ok = await make({
      source: 'tempo',
      tempo: { baseUrl: tempo.url },
      retention: { maxSpans: 10 },
    });
    expect(ok.defaultSourceId).toBe('tempo');
    expect([...ok.sources.keys()].sort()).toEqual(['embedded', 'tempo']);
    expect(ok.sources.get('tempo')!.deepLink!(TRACE_ID)).toBeUndefined();
  });
});
