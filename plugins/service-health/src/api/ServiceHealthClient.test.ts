import { ResponseError } from '@backstage/errors';
import { ServiceHealthClient } from './ServiceHealthClient';

function setup(response: { status?: number; body: unknown }) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => {
    const status = response.status ?? 200;
    return new Response(JSON.stringify(response.body), {
      status,
      statusText: status === 200 ? 'OK' : 'Not Found',
      headers: { 'content-type': 'application/json' },
    });
  });
  const client = new ServiceHealthClient({
    discoveryApi: {
      getBaseUrl: async (id: string) => `http://backend/api/${id}`,
    },
    fetchApi: { fetch: fetch as any },
  });
  return { client, fetch };
}

describe('ServiceHealthClient', () => {
  it('calls the entity-scoped paths with the query', async () => {
    const { client, fetch } = setup({
      body: { source: { source: 'x', status: 'ok' } },
    });
    await client.getHealth('Component:default/orders', {
      environment: 'staging',
    });
    await client.refreshHealth('component:default/orders');
    await client.getHealthHistory('component:default/orders', {
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T01:00:00.000Z',
    });
    await client.getMetricsSeries('component:default/orders', {
      stepSeconds: 60,
    });
    await client.listTraces('component:default/orders', {
      errorsOnly: true,
      minDurationMs: 250,
      limit: 50,
    });
    await client.getTrace('component:default/orders', 'abc/def');
    expect(fetch.mock.calls.map(c => [c[0], c[1]?.method])).toEqual([
      [
        'http://backend/api/service-health/entities/component/default/orders/health?environment=staging',
        'GET',
      ],
      [
        'http://backend/api/service-health/entities/component/default/orders/health/refresh',
        'POST',
      ],
      [
        'http://backend/api/service-health/entities/component/default/orders/health/history?from=2026-01-01T00%3A00%3A00.000Z&to=2026-01-01T01%3A00%3A00.000Z',
        'GET',
      ],
      [
        'http://backend/api/service-health/entities/component/default/orders/metrics/series?step=60',
        'GET',
      ],
      [
        'http://backend/api/service-health/entities/component/default/orders/traces?errorsOnly=true&minDurationMs=250&limit=50',
        'GET',
      ],
      [
        'http://backend/api/service-health/entities/component/default/orders/traces/abc%2Fdef',
        'GET',
      ],
    ]);
  });

  it('returns the environments as they come', async () => {
    const envs = [
      {
        name: 'default',
        baseUrl: 'http://x',
        metricsSource: 'direct',
        tracesSource: 'embedded',
      },
    ];
    const { client, fetch } = setup({ body: envs });
    await expect(
      client.getEnvironments('component:default/orders'),
    ).resolves.toEqual(envs);
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backend/api/service-health/entities/component/default/orders/environments',
    );
  });

  it('throws a ResponseError with the backend error', async () => {
    const { client } = setup({
      status: 404,
      body: {
        error: {
          name: 'NotFoundError',
          message: 'No entity component:default/nope',
        },
        request: {
          method: 'GET',
          url: '/entities/component/default/nope/health',
        },
        response: { statusCode: 404 },
      },
    });
    const error = await client
      .getHealth('component:default/nope')
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(404);
    expect(error.cause.name).toBe('NotFoundError');
    expect(error.cause.message).toBe('No entity component:default/nope');
  });
});
