import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';
import { type MemoryTracing, startMemoryTracing } from './tracing.ts';

// The shape of the spans the service emits: names, kinds, status rules and attribute KEYS of the server span and of
// a database span. Dashboards, the Health tab's trace list and alert rules depend on them, so a change to how spans
// are made (a different instrumentation, a leaner hook) must leave this contract as it is. Values that differ per
// request (ids, times, ports) are checked for type only.
const SERVER_ATTRIBUTES = [
  'fastify.root',
  'http.request.method',
  'http.response.status_code',
  'http.route',
  'url.path',
];

function shape(span: ReadableSpan) {
  return {
    name: span.name,
    kind: SpanKind[span.kind],
    status: SpanStatusCode[span.status.code],
    attributes: Object.keys(span.attributes).sort(),
  };
}

describe('span contract', () => {
  let tracing: MemoryTracing;
  let t: TestApp;

  beforeAll(async () => {
    tracing = startMemoryTracing();
    t = await createTestApp({}, (app) => {
      app.get('/test/broken', async () => {
        throw new Error('broken on purpose');
      });
    });
  });
  afterAll(async () => {
    await t.close();
    await tracing.stop();
  });
  beforeEach(() => {
    tracing.exporter.reset();
  });

  it('names the server span after the method and route template, with the HTTP attributes', async () => {
    const response = await t.app.inject({ url: '/v1/info' });
    expect(response.statusCode).toBe(200);
    const span = await tracing.serverSpan('/v1/info');
    expect(shape(span)).toEqual({
      name: 'GET /v1/info',
      kind: 'SERVER',
      status: 'UNSET',
      attributes: SERVER_ATTRIBUTES,
    });
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'http.route': '/v1/info',
      'url.path': '/v1/info',
    });
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('continues the caller’s W3C trace (traceparent) and keeps its sampled flag', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const response = await t.app.inject({
      url: '/v1/info',
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(response.statusCode).toBe(200);
    const span = await tracing.serverSpan('/v1/info');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(parentId);
    expect(span.parentSpanContext?.isRemote).toBe(true);
  });

  it('records a 5xx as ERROR with the exception, and the route of a thrown error', async () => {
    const response = await t.app.inject({ url: '/test/broken' });
    expect(response.statusCode).toBe(500);
    const span = await tracing.serverSpan('/test/broken');
    expect(shape(span)).toEqual({
      name: 'GET /test/broken',
      kind: 'SERVER',
      status: 'ERROR',
      attributes: SERVER_ATTRIBUTES,
    });
    expect(span.status.message).toBe('broken on purpose');
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
  });
  // #region feature:database

  it('makes one CLIENT span per query under the server span, named "{operation} {table}"', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku: 'CONTRACT-1', name: 'Contract', priceCents: 1 },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    tracing.exporter.reset();

    const response = await t.app.inject({ url: `/v1/items/${id}` });
    expect(response.statusCode).toBe(200);
    const server = await tracing.serverSpan('/v1/items/:id');
    expect(shape(server)).toEqual({
      name: 'GET /v1/items/:id',
      kind: 'SERVER',
      status: 'UNSET',
      attributes: SERVER_ATTRIBUTES,
    });
    const children = tracing.exporter
      .getFinishedSpans()
      .filter((span) => span.parentSpanContext?.spanId === server.spanContext().spanId);
    expect(children.map(shape)).toEqual([
      {
        name: 'SELECT items',
        kind: 'CLIENT',
        status: 'UNSET',
        attributes: [
          'db.collection.name',
          'db.operation.name',
          'db.query.text',
          'db.system.name',
          ...(process.env.DATABASE_URL ? ['server.address', 'server.port'] : []),
        ],
      },
    ]);
    expect(children[0]?.spanContext().traceId).toBe(server.spanContext().traceId);
  });

  it('leaves a 404 unset on the server span (the client’s error, per the HTTP conventions)', async () => {
    const response = await t.app.inject({ url: '/v1/items/0190a000-0000-7000-8000-000000000000' });
    expect(response.statusCode).toBe(404);
    const server = await tracing.serverSpan('/v1/items/:id');
    expect(shape(server)).toMatchObject({ name: 'GET /v1/items/:id', kind: 'SERVER', status: 'UNSET' });
    expect(server.attributes['http.response.status_code']).toBe(404);
  });
  // #endregion feature:database
});
