import { FastifyOtelInstrumentation } from '@fastify/otel';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Item } from '../src/items/schemas.ts';
import { type TestApp, createTestApp } from './helpers.ts';

// The DB spans come from the Kysely dialect wrapper (src/db/tracing.ts), so they exist for PGlite (the default
// here) and for PostgreSQL (DATABASE_URL) alike. The server span comes from @fastify/otel, as in src/telemetry.ts.
describe('database tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let instrumentation: FastifyOtelInstrumentation;
  let t: TestApp;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    instrumentation = new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      instrumentHooks: false,
      instrumentHandler: false,
    });
    instrumentation.setTracerProvider(provider);
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    instrumentation.disable();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
  beforeEach(() => {
    exporter.reset();
  });

  async function createItem(sku: string): Promise<Item> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku, name: `Traced ${sku}`, priceCents: 1 },
    });
    expect(response.statusCode).toBe(201);
    return response.json<Item>();
  }

  /** The server span of a route, once ended (it ends in onResponse, possibly after inject resolved). */
  async function serverSpan(route: string): Promise<ReadableSpan> {
    for (let i = 0; i < 100; i++) {
      const span = exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === route);
      if (span !== undefined) return span;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no server span for ${route}`);
  }

  const childrenOf = (parent: ReadableSpan) =>
    exporter
      .getFinishedSpans()
      .filter(
        (s) => s.parentSpanContext?.spanId === parent.spanContext().spanId && s.kind === SpanKind.CLIENT,
      );

  it('makes a client span per query, child of the request span, with the database conventions', async () => {
    const item = await createItem('TRACE-1');
    exporter.reset();

    const response = await t.app.inject({ url: `/v1/items/${item.id}` });
    expect(response.statusCode).toBe(200);

    const server = await serverSpan('/v1/items/:id');
    const [db, ...others] = childrenOf(server);
    expect(others).toEqual([]);
    expect(db?.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(db?.name).toBe('SELECT items');
    expect(db?.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'items',
      'db.query.text': expect.stringMatching(/^select .* from "items" where "id" = \$1$/),
    });
    // parameterised: the id is a bind value, never part of the recorded text
    expect(String(db?.attributes['db.query.text'])).not.toContain(item.id);
    if (process.env.DATABASE_URL) {
      expect(db?.attributes).toMatchObject({
        'server.address': expect.any(String),
        'server.port': expect.any(Number),
      });
    } else {
      expect(db?.attributes['server.address']).toBeUndefined();
    }
    expect(db?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a failed query with error status and the SQLSTATE', async () => {
    await createItem('TRACE-DUP');
    exporter.reset();

    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku: 'TRACE-DUP', name: 'Again', priceCents: 1 },
    });
    expect(response.statusCode).toBe(409);

    const server = await serverSpan('/v1/items');
    const failed = childrenOf(server).find((s) => s.name === 'INSERT items');
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes).toMatchObject({ 'error.type': '23505', 'db.response.status_code': '23505' });
    expect(failed?.events.map((event) => event.name)).toContain('exception');
  });

  it('does not start traces for queries outside a trace (background work)', async () => {
    await context.with(ROOT_CONTEXT, () => t.app.db.selectFrom('items').select('id').execute());
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
