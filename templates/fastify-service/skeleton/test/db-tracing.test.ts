import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Item } from '../src/items/schemas.ts';
import { type TestApp, createTestApp } from './helpers.ts';
import { type MemoryTracing, startMemoryTracing } from './tracing.ts';

// The DB spans come from the Kysely dialect wrapper (src/db/tracing.ts), so they exist for PGlite (the default
// here) and for PostgreSQL (DATABASE_URL) alike. The server span comes from @fastify/otel, as in src/telemetry.ts.
describe('database tracing', () => {
  let tracing: MemoryTracing;
  let t: TestApp;

  beforeAll(async () => {
    tracing = startMemoryTracing();
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    await tracing.stop();
  });
  beforeEach(() => {
    tracing.exporter.reset();
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

  const childrenOf = (parent: ReadableSpan) =>
    tracing.exporter
      .getFinishedSpans()
      .filter(
        (s) => s.parentSpanContext?.spanId === parent.spanContext().spanId && s.kind === SpanKind.CLIENT,
      );

  it('makes a client span per query, child of the request span, with the database conventions', async () => {
    const item = await createItem('TRACE-1');
    tracing.exporter.reset();

    const response = await t.app.inject({ url: `/v1/items/${item.id}` });
    expect(response.statusCode).toBe(200);

    const server = await tracing.serverSpan('/v1/items/:id');
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
    tracing.exporter.reset();

    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku: 'TRACE-DUP', name: 'Again', priceCents: 1 },
    });
    expect(response.statusCode).toBe(409);

    const server = await tracing.serverSpan('/v1/items');
    const failed = childrenOf(server).find((s) => s.name === 'INSERT items');
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes).toMatchObject({ 'error.type': '23505', 'db.response.status_code': '23505' });
    expect(failed?.events.map((event) => event.name)).toContain('exception');
    // The query failed, the request did not: a duplicate is the client's conflict (409), not a server error.
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('does not start traces for queries outside a trace (background work)', async () => {
    await context.with(ROOT_CONTEXT, () => t.app.db.selectFrom('items').select('id').execute());
    expect(tracing.exporter.getFinishedSpans()).toEqual([]);
  });
});
