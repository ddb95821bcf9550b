import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type App, buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { type TestApp, createTestApp } from './helpers.ts';

// Runs against the real Redis when REDIS_URL is set (the helper gives each app its own key prefix).
describe('rate limiting', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(() => t.close());

  it('sends RateLimit-* headers and answers 429 problem+json with Retry-After past the limit', async () => {
    const remaining: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await t.app.inject({ url: '/v1/info' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
      remaining.push(response.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const limited = await t.app.inject({ url: '/v1/info' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
  });

  it('never limits the probes', async () => {
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({ url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('counts each client separately', async () => {
    const other = await t.app.inject({ url: '/v1/info', remoteAddress: '10.0.0.7' });
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe('2');
  });
});

describe('per-route rate limit overrides', () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp(loadConfig({ NODE_ENV: 'test', RATE_LIMIT_MAX: '100' }));
    app.get(
      '/test/expensive',
      {
        config: {
          rateLimit: { max: 1, timeWindow: 60_000 },
          // #region feature:auth
          auth: false,
          // #endregion feature:auth
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
  });
  afterAll(() => app.close());

  it('applies config.rateLimit of a route instead of the default', async () => {
    const first = await app.inject({ url: '/test/expensive' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['ratelimit-limit']).toBe('1');
    expect((await app.inject({ url: '/test/expensive' })).statusCode).toBe(429);
  });
});
