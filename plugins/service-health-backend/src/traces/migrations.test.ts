import request from 'supertest';
import { startServiceHealthBackend } from '../__testUtils__/backend';
import otlpRequest from './__fixtures__/otlp-export-request.json';

jest.setTimeout(60_000);

describe('the traces table comes from the plugin migrations only', () => {
  const start = (skipMigrations: boolean) =>
    startServiceHealthBackend({
      entities: [],
      database: { skipMigrations },
      serviceHealth: {
        health: { enabled: false },
        traces: { receiver: { allowUnauthenticated: true } },
      },
    });

  it('stores spans when the migrations ran', async () => {
    const backend = await start(false);
    try {
      await request(backend.server)
        .post('/api/service-health/otlp/v1/traces')
        .send(otlpRequest)
        .expect(200);
    } finally {
      await backend.stop();
    }
  });

  it('creates no table behind the operator when backend.database.skipMigrations is set', async () => {
    const backend = await start(true);
    try {
      // No table: the store fails and the exporter is told to retry later.
      const res = await request(backend.server)
        .post('/api/service-health/otlp/v1/traces')
        .send(otlpRequest);
      expect(res.status).toBe(503);
    } finally {
      await backend.stop();
    }
  });
});
