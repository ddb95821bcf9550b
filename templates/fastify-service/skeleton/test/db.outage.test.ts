import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';
import { startPrivatePostgres } from './postgres-support.ts';
// #region feature:auth
import { testToken } from './auth-support.ts';
// #endregion feature:auth

type PrivatePostgres = Awaited<ReturnType<typeof startPrivatePostgres>>;

const QUERY_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 1_500;
/** The most one request may wait: a transaction's statement and its rollback can each reach the query timeout. */
const BOUND_MS = CONNECT_TIMEOUT_MS + 2 * QUERY_TIMEOUT_MS + 1_000;

// Run by `npm run test:outage`: it stops and freezes a PostgreSQL server of its own (never a shared one).
describe('API across a PostgreSQL outage, over HTTP', () => {
  let postgres: PrivatePostgres;
  let t: TestApp;
  let base: string;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    t = await createTestApp({
      NODE_ENV: 'production',
      MIGRATE_ON_START: 'true',
      DATABASE_URL: postgres.url,
      DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DB_STATEMENT_TIMEOUT_MS: String(QUERY_TIMEOUT_MS - 500),
      DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      RATE_LIMIT_MAX: '100000',
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    // #region feature:auth
    headers.authorization = `Bearer ${await testToken(t.app)}`;
    // #endregion feature:auth
  }, 120_000);
  afterAll(async () => {
    postgres.thaw();
    await t.close();
    await postgres.close();
  });

  let sku = 0;
  /** One request with its duration; the client gives up far beyond the bound, so a hang fails the test. */
  async function call(method: 'GET' | 'POST') {
    const started = performance.now();
    const response = await fetch(`${base}/v1/items${method === 'GET' ? '?limit=5' : ''}`, {
      method,
      headers,
      signal: AbortSignal.timeout(30_000),
      ...(method === 'POST'
        ? { body: JSON.stringify({ sku: `OUT-${++sku}`, name: 'Outage', priceCents: 1 }) }
        : {}),
    });
    const body = await response.text();
    return { response, body, ms: performance.now() - started };
  }

  function expectUnavailable({ response, body, ms }: Awaited<ReturnType<typeof call>>) {
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(body).not.toMatch(/ECONNREFUSED|timeout exceeded|terminated|127\.0\.0\.1/);
    expect(ms).toBeLessThan(BOUND_MS);
  }

  async function recovered() {
    for (let attempt = 0; attempt < 300; attempt++) {
      const [get, post] = [await call('GET'), await call('POST')];
      if (get.response.status === 200 && post.response.status === 201) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the API did not recover');
  }

  it('answers 503 problem+json with Retry-After while PostgreSQL is stopped, and recovers without a restart', async () => {
    expect((await call('POST')).response.status).toBe(201);
    await postgres.stop();
    expectUnavailable(await call('GET'));
    expectUnavailable(await call('POST'));
    expect((await fetch(`${base}/ready`)).status).toBe(503);
    await postgres.start();
    await recovered();
  }, 120_000);

  it('bounds every wait while PostgreSQL is frozen (SIGSTOP), and recovers when it resumes', async () => {
    expect((await call('GET')).response.status).toBe(200);
    postgres.freeze();
    try {
      // Concurrent requests: pooled connections wait on the frozen server, the rest for a free connection.
      const results = await Promise.all([call('GET'), call('POST'), call('GET'), call('POST'), call('GET')]);
      for (const result of results) expectUnavailable(result);
    } finally {
      postgres.thaw();
    }
    await recovered();
  }, 120_000);
});
