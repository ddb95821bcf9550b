import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import Type from 'typebox';
import { helmetHeaders } from '../src/plugins/external/helmet.ts';
import { HttpProblem } from '../src/lib/problem.ts';
import { type TestApp, createTestApp } from './helpers.ts';
import { type MemoryTracing, startMemoryTracing } from './tracing.ts';

// HTTP semantic conventions: a server span's status is ERROR for 5xx only; a 4xx is the client's doing and leaves
// it unset (src/plugins/app/errors.ts keeps @fastify/otel from marking thrown 4xx errors).
describe('server span status', () => {
  let tracing: MemoryTracing;
  let t: TestApp;

  beforeAll(async () => {
    tracing = startMemoryTracing();
    t = await createTestApp({}, (app) => {
      app.get('/test/conflict', async () => {
        throw new HttpProblem(409, 'already there');
      });
      app.get(
        '/test/validated',
        { schema: { querystring: Type.Object({ n: Type.Integer() }) } },
        async () => ({ ok: true }),
      );
      app.get('/test/broken', async () => {
        throw new Error('the disk is on fire');
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

  it.each([
    ['a handler throws a 4xx problem', '/test/conflict', '/test/conflict', 409],
    ['the request fails validation', '/test/validated?n=abc', '/test/validated', 400],
  ])('leaves the status unset when %s', async (_case, url, route, status) => {
    const response = await t.app.inject({ url });
    expect(response.statusCode).toBe(status);
    const span = await tracing.serverSpan(route);
    expect(span.attributes['http.response.status_code']).toBe(status);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a 5xx as an error, with the message and the exception', async () => {
    const response = await t.app.inject({ url: '/test/broken' });
    expect(response.statusCode).toBe(500);
    const span = await tracing.serverSpan('/test/broken');
    expect(span.attributes['http.response.status_code']).toBe(500);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the disk is on fire' });
    expect(span.events.map((event) => event.name)).toContain('exception');
  });

  it('leaves successful requests unset', async () => {
    const response = await t.app.inject({ url: '/test/validated?n=1' });
    expect(response.statusCode).toBe(200);
    const span = await tracing.serverSpan('/test/validated');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });
});

// The helmet plugin asks helmet for its headers on two throwaway Fastify instances at start-up; the instrumentation
// hooks into every instance, so those requests showed up in the trace list as `GET /` the service never served.
describe('start-up', () => {
  let tracing: MemoryTracing;

  beforeAll(() => {
    tracing = startMemoryTracing();
  });
  afterAll(async () => {
    await tracing.stop();
  });

  it('exports no spans for the helmet header probe', async () => {
    const headers = await helmetHeaders();
    expect(headers.length).toBeGreaterThan(0);
    expect(tracing.exporter.getFinishedSpans().map((span) => span.name)).toEqual([]);
  });

  it('still traces a real request of an instance built the same way', async () => {
    const app = Fastify({ logger: false });
    app.get('/', async () => 'served');
    await app.inject({ url: '/' });
    await app.close();
    expect(tracing.exporter.getFinishedSpans().map((span) => span.attributes['http.route'])).toContain('/');
  });
});
