import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';

describe('HTTP conventions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => t.close());

  it('serves GET /v1/info', async () => {
    const response = await t.app.inject({ url: '/v1/info' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      name: expect.any(String),
      version: '0.1.0',
      description: expect.any(String),
    });
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const response = await t.app.inject({ url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      instance: '/nope?x=1',
    });
  });

  it('echoes a valid x-request-id and generates one otherwise', async () => {
    const given = await t.app.inject({ url: '/v1/info', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const bad = await t.app.inject({ url: '/v1/info', headers: { 'x-request-id': 'has spaces<script>' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await t.app.inject({ url: '/nope', headers: { 'x-request-id': 'abc-456' } });
    expect(problem.json()).toMatchObject({ requestId: 'abc-456' });
  });

  it('sets security headers', async () => {
    const response = await t.app.inject({ url: '/v1/info' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('allows only the configured CORS origins', async () => {
    const allowed = await t.app.inject({ url: '/v1/info', headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const denied = await t.app.inject({ url: '/v1/info', headers: { origin: 'https://evil.example.com' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves the OpenAPI UI and document at /docs', async () => {
    const ui = await t.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    const spec = await t.app.inject({ url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json<{ openapi: string; paths: Record<string, unknown> }>().paths).toHaveProperty('/v1/info');
  });

  it('has no /docs in production unless enabled', async () => {
    const production = await createTestApp({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    try {
      const response = await production.app.inject({ url: '/docs/' });
      expect(response.statusCode).toBe(404);
    } finally {
      await production.close();
    }
  });
});
