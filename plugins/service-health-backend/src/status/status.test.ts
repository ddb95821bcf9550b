import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import catalogBackend from '@backstage/plugin-catalog-backend';
import {
  catalogProcessingExtensionPoint,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import type { StatusBatchResponse } from '@fastify-backstage/plugin-service-health-common';
import knexFactory, { Knex } from 'knex';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { component } from '../__testUtils__/backend';
import { manualScheduler } from '../__testUtils__/scheduler';
import { serviceHealthPlugin } from '../plugin';

jest.setTimeout(90_000);

/*
 * POST /api/service-health/status on a real test backend with the real
 * catalog backend: the catalog reads entities with the caller's credentials
 * and applies the permission decision to its own query. The permissions
 * service is a mock policy that lets users read every entity except those
 * named "secret" (a conditional decision, as a real policy would answer).
 * Probes are seeded in the plugin's SQLite file with known times.
 */

const notSecret = createServiceFactory({
  service: coreServices.permissions,
  deps: {},
  factory(): PermissionsService {
    return {
      async authorize(requests) {
        return requests.map(() => ({ result: AuthorizeResult.ALLOW }));
      },
      async authorizeConditional(requests, options) {
        const isUser =
          (options.credentials.principal as { type?: string })?.type === 'user';
        return requests.map(r =>
          isUser &&
          isResourcePermission(r.permission, 'catalog-entity') &&
          r.permission.name === 'catalog.entity.read'
            ? {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'catalog',
                resourceType: 'catalog-entity',
                conditions: {
                  not: {
                    rule: 'HAS_METADATA',
                    resourceType: 'catalog-entity',
                    params: { key: 'name', value: 'secret' },
                  },
                },
              }
            : { result: AuthorizeResult.ALLOW },
        ) as any;
      },
    };
  },
});

const BASE = 'http://127.0.0.1:1';
const entities: Entity[] = [
  component('stopped', { 'service-health.io/base-url': `${BASE}/stopped` }),
  component('healthy', { 'service-health.io/base-url': `${BASE}/healthy` }),
  component('degraded', { 'service-health.io/base-url': `${BASE}/degraded` }),
  component('never', { 'service-health.io/base-url': `${BASE}/never` }),
  component('unprobed', { 'service-health.io/base-url': `${BASE}/unprobed` }),
  component('elsewhere', {
    'service-health.io/base-url': 'http://203.0.113.9/x',
  }),
  component('plain', {}),
  component('secret', { 'service-health.io/base-url': `${BASE}/secret` }),
];

const testEntities = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'status-test-entities',
  register(env) {
    env.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        catalog.addEntityProvider({
          getProviderName: () => 'status-test',
          async connect(connection: EntityProviderConnection) {
            await connection.applyMutation({
              type: 'full',
              entities: entities.map(entity => ({
                locationKey: 'status-test',
                entity: {
                  ...entity,
                  metadata: {
                    ...entity.metadata,
                    annotations: {
                      ...entity.metadata.annotations,
                      'backstage.io/managed-by-location': 'url:http://test/x',
                      'backstage.io/managed-by-origin-location':
                        'url:http://test/x',
                    },
                  },
                },
              })),
            });
          },
        });
      },
    });
  },
});

const NOW = Date.now();
const ago = (minutes: number) => NOW - minutes * 60_000;

describe('POST /api/service-health/status', () => {
  let backend: TestBackend;
  let dir: string;
  let db: Knex;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sh-status-'));
    backend = await startTestBackend({
      features: [
        catalogBackend,
        testEntities,
        serviceHealthPlugin,
        notSecret,
        manualScheduler().factory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              database: {
                client: 'better-sqlite3',
                connection: { directory: dir },
              },
            },
            catalog: { processingInterval: { seconds: 1 } },
            serviceHealth: { allowedHosts: ['127.0.0.1'] },
          },
        }),
      ],
    });
    db = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'service-health.sqlite') },
      useNullAsDefault: true,
    });
    const probe = (name: string, minutesAgo: number, status: string) => ({
      entity_ref: `component:default/${name}`,
      environment: 'default',
      checked_at: ago(minutesAgo),
      status,
      latency_ms: 2,
      snapshot: '{}',
    });
    await db('service_health_probes').insert([
      probe('stopped', 30, 'pass'),
      probe('stopped', 20, 'pass'),
      probe('stopped', 10, 'down'),
      probe('stopped', 5, 'down'),
      probe('healthy', 30, 'down'),
      probe('healthy', 20, 'pass'),
      probe('healthy', 1, 'pass'),
      probe('degraded', 30, 'pass'),
      probe('degraded', 3, 'warn'),
      probe('never', 40, 'down'),
      probe('never', 2, 'down'),
      probe('secret', 2, 'down'),
    ]);
    const sample = (minutesAgo: number, ok: number, errors: number) => {
      const t = ago(minutesAgo);
      return {
        entity_ref: 'component:default/healthy',
        environment: 'default',
        scraped_at: t,
        sample: JSON.stringify({
          t,
          les: [0.1, 0.5],
          // every ok request took 0.1-0.5 s; errors under 0.1 s
          http: [
            ['GET', '/v1/items', '200', ok, 0, [0, ok, ok]],
            ['GET', '/v1/items', '500', errors, 0, [errors, errors, errors]],
          ],
        }),
      };
    };
    await db('service_health_metric_samples').insert([
      sample(20, 100, 0),
      sample(1, 190, 10),
    ]);

    // wait (bounded) until the catalog has processed the entities
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await request(backend.server)
        .get('/api/catalog/entities/by-name/component/default/plain')
        .set('authorization', mockCredentials.user.header());
      if (res.status === 200) break;
      if (Date.now() > deadline) throw new Error('catalog never processed');
      await new Promise(r => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await db?.destroy();
    await backend?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    request(backend.server)
      .post('/api/service-health/status')
      .set('authorization', mockCredentials.user.header())
      .send(body as object);

  it('answers each state from stored probes, in the request order', async () => {
    const refs = [
      'component:default/stopped',
      'component:default/healthy',
      'component:default/degraded',
      'component:default/never',
      'component:default/unprobed',
      'component:default/elsewhere',
      'component:default/plain',
      'component:default/nobody',
      'component:default/stopped',
    ];
    const res = await post({ entityRefs: refs });
    expect(res.status).toBe(200);
    const { items } = res.body as StatusBatchResponse;
    expect(items.map(i => i?.entityRef ?? null)).toEqual([
      ...refs.slice(0, 7),
      null,
      refs[8],
    ]);
    const iso = (m: number) => new Date(ago(m)).toISOString();
    expect(items[0]).toEqual({
      entityRef: 'component:default/stopped',
      environment: 'default',
      state: 'fail',
      probeStatus: 'down',
      checkedAt: iso(5),
      since: iso(10),
      sinceIsLowerBound: false,
    });
    expect(items[1]).toMatchObject({
      state: 'pass',
      since: iso(20),
      sinceIsLowerBound: false,
      metrics: {
        from: iso(20),
        to: iso(1),
        requests: 100,
        errorRate: 0.1,
      },
    });
    // 90 ok requests in 0.1-0.5 s, 10 errors under 0.1 s: p95 at rank 95,
    // 85 of 90 into the second bucket: 0.1 + 0.4 * 85/90 s
    expect(items[1]!.metrics!.p95Ms).toBeCloseTo(
      (0.1 + (0.4 * 85) / 90) * 1000,
      6,
    );
    expect(items[2]).toMatchObject({
      state: 'warn',
      probeStatus: 'warn',
      since: iso(3),
    });
    expect(items[3]).toMatchObject({
      state: 'not-started',
      probeStatus: 'down',
      since: iso(40),
      sinceIsLowerBound: false,
    });
    expect(items[4]).toMatchObject({
      state: 'unknown',
      reason: 'Not probed yet',
    });
    expect(items[5]).toMatchObject({ state: 'unknown' });
    expect(items[5]!.reason).toMatch(/^Not polled: /);
    expect(items[6]).toEqual({
      entityRef: 'component:default/plain',
      state: 'unknown',
      reason: 'No service-health base URL annotation',
    });
    expect(items[8]).toEqual(items[0]);
  });

  it('answers an entity the user may not read exactly like a missing one', async () => {
    const res = await post({
      entityRefs: ['component:default/secret', 'component:default/nobody'],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [null, null] });
    // the entity exists (a service may read it) and has probes
    const asService = await request(backend.server)
      .get('/api/catalog/entities/by-name/component/default/secret')
      .set('authorization', mockCredentials.service.header());
    expect(asService.status).toBe(200);
    const asUser = await request(backend.server)
      .get('/api/catalog/entities/by-name/component/default/secret')
      .set('authorization', mockCredentials.user.header());
    expect(asUser.status).toBe(404);
    const rows = await db('service_health_probes').where({
      entity_ref: 'component:default/secret',
    });
    expect(rows).toHaveLength(1);
  });

  it('refuses bad input with InputError', async () => {
    const cases: unknown[] = [
      {},
      { entityRefs: 'component:default/stopped' },
      { entityRefs: [42] },
      { entityRefs: [''] },
      { entityRefs: ['no-kind'] },
      { entityRefs: ['component:default/stopped'], environment: 'Bad Env' },
      { entityRefs: ['component:default/stopped'], environment: 'staging' },
      { entityRefs: [], extra: true },
      {
        entityRefs: Array.from(
          { length: 1001 },
          (_, i) => `component:default/s${i}`,
        ),
      },
    ];
    for (const body of cases) {
      const res = await post(body);
      expect({ body, status: res.status, name: res.body.error?.name }).toEqual({
        body,
        status: 400,
        name: 'InputError',
      });
    }
    const notJson = await request(backend.server)
      .post('/api/service-health/status')
      .set('authorization', mockCredentials.user.header())
      .set('content-type', 'application/json')
      .send('{"entityRefs": [');
    expect(notJson.status).toBe(400);
    expect(await post({ entityRefs: [] }).then(r => r.body)).toEqual({
      items: [],
    });
  });

  it('needs a user', async () => {
    const res = await request(backend.server)
      .post('/api/service-health/status')
      .set('authorization', mockCredentials.none.header())
      .send({ entityRefs: [] });
    expect(res.status).toBe(401);
  });
});
