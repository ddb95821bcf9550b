import type { HealthSnapshot } from '@fastify-backstage/plugin-service-health-common';
import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from './__testUtils__/backend';
import { FakeService, startFakeService } from './__testUtils__/fakeService';
import { manualScheduler, triggerHealthPoll } from './__testUtils__/scheduler';
import { HealthStore } from './database/stores';
import {
  migratedDatabase,
  pluginTestDatabases,
} from './__testUtils__/databases';

jest.setTimeout(60_000);

describe('deploy markers', () => {
  it('records each release a service reports, from the first probe that saw it', async () => {
    const service: FakeService = await startFakeService({ name: 'orders' });
    const { scheduler, factory } = manualScheduler();
    const backend = await startServiceHealthBackend({
      entities: [
        component('orders', { 'service-health.io/base-url': service.url }),
      ],
      scheduler: factory,
      serviceHealth: { allowedHosts: ['127.0.0.1'] },
    });
    try {
      const from = new Date(Date.now() - 60_000).toISOString();
      service.setRelease({ version: '1.0.0', releaseId: 'sha-aaa' });
      await triggerHealthPoll(scheduler);
      await triggerHealthPoll(scheduler);
      const deployedAt = Date.now();
      service.setRelease({ version: '1.1.0', releaseId: 'sha-bbb' });
      await triggerHealthPoll(scheduler);
      await triggerHealthPoll(scheduler);
      const res = await request(backend.server)
        .get(entityApi('orders/releases'))
        .query({ from, to: new Date(Date.now() + 1000).toISOString() });
      expect(res.status).toBe(200);
      expect(res.body.source).toEqual({ source: 'direct', status: 'ok' });
      expect(res.body.data).toEqual([
        {
          seenAt: expect.any(String),
          version: '1.0.0',
          releaseId: 'sha-aaa',
        },
        {
          seenAt: expect.any(String),
          version: '1.1.0',
          releaseId: 'sha-bbb',
          previous: { version: '1.0.0', releaseId: 'sha-aaa' },
        },
      ]);
      expect(Date.parse(res.body.data[1].seenAt)).toBeGreaterThanOrEqual(
        deployedAt - 5, // ms precision of the stored time
      );
      // A window before the first probe has no marker, and says so.
      const before = await request(backend.server)
        .get(entityApi('orders/releases'))
        .query({
          from: new Date(Date.now() - 7_200_000).toISOString(),
          to: new Date(Date.now() - 3_600_000).toISOString(),
        });
      expect(before.body).toEqual({
        data: [],
        source: { source: 'direct', status: 'no-data' },
      });
      const bad = await request(backend.server)
        .get(entityApi('orders/releases'))
        .query({ from: 'yesterday' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.name).toBe('InputError');
    } finally {
      await backend.stop();
      await service.close();
    }
  });
});

const databases = pluginTestDatabases();

describe.each(databases.eachSupportedId())('the release store on %p', id => {
  const probe = (
    at: number,
    release: { version?: string; releaseId?: string },
    status: HealthSnapshot['status'] = 'pass',
  ): HealthSnapshot => {
    const endpoint = {
      url: 'http://orders/health',
      status,
      checkedAt: new Date(at).toISOString(),
    };
    return {
      entityRef: 'component:default/orders',
      environment: 'default',
      status,
      liveness: endpoint,
      readiness: endpoint,
      checks: [],
      ...release,
      checkedAt: new Date(at).toISOString(),
    };
  };

  it('counts no deploy for an outage or a restart with the same release', async () => {
    const knex = await migratedDatabase(databases, id);
    try {
      const store = new HealthStore(knex);
      const t0 = Date.UTC(2026, 10, 30, 12);
      await store.insert(probe(t0, { version: '1.0.0' }));
      await store.insert(probe(t0 + 1000, { version: '1.0.0' }));
      // down: no version reported, then back with the same one
      await store.insert(probe(t0 + 2000, {}, 'down'));
      await store.insert(probe(t0 + 3000, { version: '1.0.0' }));
      // a batch with a new release for two targets at once
      await store.insertMany([
        probe(t0 + 4000, { version: '1.0.1' }),
        {
          ...probe(t0 + 4000, { version: '2.0.0' }),
          entityRef: 'component:default/billing',
        },
      ]);
      expect(
        await store.releases(
          'component:default/orders',
          'default',
          new Date(t0 + 500),
          new Date(t0 + 10_000),
        ),
      ).toEqual([
        {
          seenAt: new Date(t0 + 4000).toISOString(),
          version: '1.0.1',
          previous: { version: '1.0.0' },
        },
      ]);
      expect(
        await store.releases(
          'component:default/billing',
          'default',
          new Date(t0),
          new Date(t0 + 10_000),
        ),
      ).toEqual([
        { seenAt: new Date(t0 + 4000).toISOString(), version: '2.0.0' },
      ]);
    } finally {
      await knex.destroy();
    }
  });
});
