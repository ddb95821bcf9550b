import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from '../__testUtils__/backend';
import { manualScheduler } from '../__testUtils__/scheduler';
import { TRACE_PRUNE_TASK_ID } from '../plugin';
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
      const res = await request(backend.server)
        .post('/api/service-health/otlp/v1/traces')
        .send(otlpRequest);
      expect(res.status).toBe(200);
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

describe('pruning of the embedded store', () => {
  it('is a scheduler task, which deletes spans past their age also when nothing is written', async () => {
    const { tasks, scheduler, factory } = manualScheduler();
    const backend = await startServiceHealthBackend({
      entities: [
        component('orders', {
          'service-health.io/base-url.production': 'http://127.0.0.1:1',
        }),
      ],
      scheduler: factory,
      serviceHealth: {
        health: { enabled: false },
        environments: [{ name: 'production' }],
        traces: {
          receiver: { allowUnauthenticated: true },
          // 0.36 s
          retention: { maxAgeHours: 0.0001, pruneIntervalSeconds: 90 },
        },
      },
    });
    try {
      expect(tasks.get(TRACE_PRUNE_TASK_ID)).toMatchObject({
        scope: 'global',
        frequency: { seconds: 90 },
      });
      await request(backend.server)
        .post('/api/service-health/otlp/v1/traces')
        .send(otlpRequest)
        .expect(200);
      const trace = () =>
        request(backend.server).get(
          entityApi(
            'orders/traces/5b8efff798038103d269b633813fc60c?environment=production',
          ),
        );
      expect((await trace()).status).toBe(200);
      await new Promise(r => setTimeout(r, 600)); // past maxAgeHours
      expect((await trace()).status).toBe(200); // nothing prunes by itself
      await scheduler.triggerTask(TRACE_PRUNE_TASK_ID);
      expect((await trace()).status).toBe(404);
    } finally {
      await backend.stop();
    }
  });
});
