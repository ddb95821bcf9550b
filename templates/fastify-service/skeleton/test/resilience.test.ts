import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { BrokenCircuitError, ResilientHttpClient, UpstreamError } from '../src/clients/resilient-http.ts';
import { PricingClient } from '../src/clients/pricing.ts';
import { type TestApp, createTestApp } from './helpers.ts';

/** A fake pricing service whose next answers are scripted: a status code, or 'slow'. */
function fakeUpstream() {
  const script: (number | 'slow')[] = [];
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits++;
    const next = script.shift() ?? 200;
    const answer = (status: number) => {
      response.statusCode = status;
      response.setHeader('content-type', 'application/json');
      const sku = decodeURIComponent(request.url?.split('/').pop() ?? '');
      response.end(
        JSON.stringify(status === 200 ? { sku, priceCents: 990, currency: 'EUR' } : { error: status }),
      );
    };
    if (next === 'slow')
      setTimeout(() => {
        answer(200);
      }, 2_000).unref();
    else answer(next);
  });
  return {
    server,
    script,
    hits: () => hits,
    reset: () => {
      hits = 0;
      script.length = 0;
    },
    start: async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}

describe('ResilientHttpClient', () => {
  const upstream = fakeUpstream();
  let url: string;
  beforeAll(async () => {
    url = await upstream.start();
  });
  afterAll(() => {
    upstream.server.closeAllConnections();
    upstream.server.close();
  });
  beforeEach(() => {
    upstream.reset();
  });

  const client = (overrides: Partial<ConstructorParameters<typeof ResilientHttpClient>[0]> = {}) =>
    new PricingClient(
      new ResilientHttpClient({
        name: 'pricing',
        baseUrl: url,
        // Generous: these tests are about retries and the breaker, and a loaded CI machine can take a while
        // to answer even locally (the timeout test sets its own).
        timeoutMs: 5_000,
        retries: 2,
        breakerThreshold: 5,
        halfOpenAfterMs: 100,
        initialBackoffMs: 5,
        maxBackoffMs: 20,
        ...overrides,
      }),
    );

  it('returns the validated typed body', async () => {
    await expect(client().getPrice('SKU 1')).resolves.toEqual({
      sku: 'SKU 1',
      priceCents: 990,
      currency: 'EUR',
    });
  });

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    upstream.script.push(503, 429);
    await expect(client().getPrice('A')).resolves.toMatchObject({ sku: 'A' });
    expect(upstream.hits()).toBe(3);
  });

  it('gives up after the retries', async () => {
    upstream.script.push(500, 500, 500, 500);
    await expect(client().getPrice('A')).rejects.toBeInstanceOf(UpstreamError);
    expect(upstream.hits()).toBe(3);
  });

  it('does not retry other 4xx', async () => {
    upstream.script.push(404);
    await expect(client().getPrice('A')).rejects.toMatchObject({ status: 404, retryable: false });
    expect(upstream.hits()).toBe(1);
  });

  it('times out each attempt', async () => {
    upstream.script.push('slow', 'slow', 'slow');
    const started = Date.now();
    await expect(client({ retries: 0, timeoutMs: 50 }).getPrice('A')).rejects.toThrow(/timed out/i);
    // Given up before the upstream's answer (2 s later) would have come.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('opens the circuit after consecutive failures, fails fast, then closes after a good trial call', async () => {
    const pricing = client({ retries: 0, breakerThreshold: 2, halfOpenAfterMs: 100 });
    upstream.script.push(500, 500);
    await expect(pricing.getPrice('A')).rejects.toBeInstanceOf(UpstreamError);
    await expect(pricing.getPrice('A')).rejects.toBeInstanceOf(UpstreamError);
    expect(pricing.http.state).toBe('open');
    await expect(pricing.getPrice('A')).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(upstream.hits()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(pricing.getPrice('A')).resolves.toMatchObject({ sku: 'A' });
    expect(pricing.http.state).toBe('closed');
  });
});

describe('circuit breaker state in /metrics and /ready', () => {
  const upstream = fakeUpstream();
  let t: TestApp;
  beforeAll(async () => {
    const url = await upstream.start();
    t = await createTestApp({
      PRICING_API_URL: url,
      PRICING_RETRIES: '0',
      PRICING_BREAKER_THRESHOLD: '2',
      PRICING_BREAKER_HALF_OPEN_MS: '60000',
    });
  });
  afterAll(async () => {
    await t.close();
    upstream.server.closeAllConnections();
    upstream.server.close();
  });

  async function readiness() {
    const response = await t.app.inject({ url: '/ready' });
    return {
      statusCode: response.statusCode,
      body: response.json<{
        status: string;
        checks: Record<string, { status: string; output?: string }[]>;
      }>(),
    };
  }

  it('reports pass and 0 while closed, warn and 1 once open', async () => {
    const before = await readiness();
    expect(before.body.checks['pricing:circuit']?.[0]).toMatchObject({ status: 'pass', output: 'closed' });
    expect((await t.app.inject({ url: '/metrics' })).body).toMatch(
      /^circuit_breaker_state\{name="pricing"\} 0$/m,
    );

    const pricing = t.app.clients.pricing;
    if (pricing === undefined) throw new Error('pricing client not configured');
    upstream.script.push(503, 503);
    await expect(pricing.getPrice('A')).rejects.toThrow();
    await expect(pricing.getPrice('A')).rejects.toThrow();

    const after = await readiness();
    expect(after.statusCode).toBe(200);
    expect(after.body.status).toBe('warn');
    expect(after.body.checks['pricing:circuit']?.[0]).toMatchObject({ status: 'warn', output: 'open' });
    expect((await t.app.inject({ url: '/metrics' })).body).toMatch(
      /^circuit_breaker_state\{name="pricing"\} 1$/m,
    );
  });
});
