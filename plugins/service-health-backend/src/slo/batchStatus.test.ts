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
import type { SloStatusBatchResponse } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { component } from '../__testUtils__/backend';
import { pluginTestDatabases } from '../__testUtils__/databases';
import { manualScheduler } from '../__testUtils__/scheduler';
import { serviceHealthPlugin } from '../plugin';
import { SLO_AGGREGATE_TASK_ID } from '.';
import { BUCKET_MS } from './buckets';
import { SloAggregator } from './SloAggregator';
import { MinuteTraffic, syntheticSamples } from './__testUtils__/history';
import { availabilitySloYaml } from './__testUtils__/openslo';

/*
 * POST /api/service-health/slos/status on a real test backend with the real
 * catalog backend (which applies the permission decision to its own batch
 * read) on each supported database: the catalog and the plugin each get a
 * fresh database from TestDatabases. The OpenSLO files are served over HTTP
 * and read by the scheduled SLO aggregation, which stores each target's
 * evaluation; the batch read answers from those alone (no file is read).
 * Users may read every entity except the one named "secret".
 */
const databases = pluginTestDatabases();

jest.setTimeout(180_000);

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

/** One availability SLO: 99.9 % of requests not 5xx over 28 days. */
const OPENSLO = availabilitySloYaml();

/** A day and an hour of 1,000 requests a minute, 2 % slow (under the latency bounds the test does not use). */
const DAY_AND_HOUR = 1500;
const histories: Record<string, (m: number) => MinuteTraffic> = {
  // no errors: budget untouched
  steady: () => ({ requests: 1000, errors: 0, slow: 20 }),
  // 2 % errors in the last hour only: 20× the budget's rate (page), 80 % of the budget spent
  burning: m => ({ requests: 1000, errors: m <= 60 ? 20 : 0, slow: 20 }),
  // 1 % errors all along: 10× the budget, spent nine times over
  spent: () => ({ requests: 1000, errors: 10, slow: 20 }),
};

describe.each(databases.eachSupportedId())(
  'POST /api/service-health/slos/status on %s',
  id => {
    const { scheduler, factory: schedulerFactory } = manualScheduler();
    let backend: TestBackend;
    let files: http.Server;
    let filesUrl: string;
    let fileReads = 0;
    let knex: Knex;

    beforeAll(async () => {
      files = http.createServer((req, res) => {
        fileReads++;
        const ok = req.url === '/repo/slo.yaml';
        res.writeHead(ok ? 200 : 404, { 'content-type': 'text/yaml' });
        res.end(ok ? OPENSLO : 'not found');
      });
      await new Promise<void>(r => files.listen(0, '127.0.0.1', r));
      filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

      knex = await databases.init(id);
      const catalogKnex = await databases.init(id);
      // each plugin its own database, as Backstage gives them
      const perPluginDatabase = createServiceFactory({
        service: coreServices.database,
        deps: { plugin: coreServices.pluginMetadata },
        factory: ({ plugin }) => ({
          getClient: async () =>
            plugin.getId() === 'catalog' ? catalogKnex : knex,
        }),
      });

      const withSlo = (name: string, file = './slo.yaml') =>
        component(name, {
          'service-health.io/base-url': `http://127.0.0.1:1/${name}`,
          'backstage.io/source-location': `url:${filesUrl}/repo/`,
          'fastify-backstage.io/openslo': file,
        });
      const entities: Entity[] = [
        withSlo('steady'),
        withSlo('burning'),
        withSlo('spent'),
        withSlo('secret'),
        withSlo('no-file', './nope.yaml'),
        withSlo('unaggregated'),
        component('no-slo', {
          'service-health.io/base-url': 'http://127.0.0.1:1/no-slo',
        }),
        component('unmonitored', {}),
      ];
      const testEntities = createBackendModule({
        pluginId: 'catalog',
        moduleId: 'slo-status-test-entities',
        register(env) {
          env.registerInit({
            deps: { catalog: catalogProcessingExtensionPoint },
            async init({ catalog }) {
              catalog.addEntityProvider({
                getProviderName: () => 'slo-status-test',
                async connect(connection: EntityProviderConnection) {
                  await connection.applyMutation({
                    type: 'full',
                    entities: entities.map(entity => ({
                      locationKey: 'slo-status-test',
                      entity: {
                        ...entity,
                        metadata: {
                          ...entity.metadata,
                          annotations: {
                            ...entity.metadata.annotations,
                            'backstage.io/managed-by-location':
                              'url:http://test/x',
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

      backend = await startTestBackend({
        features: [
          catalogBackend,
          testEntities,
          serviceHealthPlugin,
          notSecret,
          schedulerFactory,
          perPluginDatabase,
          mockServices.rootConfig.factory({
            data: {
              backend: {
                baseUrl: 'http://localhost:7007',
                reading: { allow: [{ host: new URL(filesUrl).host }] },
              },
              catalog: { processingInterval: { seconds: 1 } },
              serviceHealth: { allowedHosts: ['127.0.0.1'] },
            },
          }),
        ],
      });

      // wait (bounded) until the catalog has processed the entities
      const deadline = Date.now() + 60_000;
      for (;;) {
        const res = await request(backend.server)
          .get('/api/catalog/entities/by-name/component/default/unmonitored')
          .set('authorization', mockCredentials.user.header());
        if (res.status === 200) break;
        if (Date.now() > deadline) throw new Error('catalog never processed');
        await new Promise(r => setTimeout(r, 200));
      }
    });

    afterAll(async () => {
      await backend?.stop();
      await new Promise(r => files?.close(r));
    });

    const post = (body: unknown) =>
      request(backend.server)
        .post('/api/service-health/slos/status')
        .set('authorization', mockCredentials.user.header())
        .send(body as object);

    it('answers each entity the worst of its SLOs, from the stored evaluation', async () => {
      // Evaluate well inside a 5-minute bucket, so that the history's end is
      // the last closed bucket when the task runs.
      const untilNextClose =
        SloAggregator.closedUntil(Date.now()) + BUCKET_MS + 30_000 - Date.now();
      if (untilNextClose < 30_000) {
        await new Promise(r => setTimeout(r, untilNextClose + 1000));
      }
      const end = SloAggregator.closedUntil(Date.now());
      for (const name of ['steady', 'burning', 'spent', 'secret']) {
        const samples = syntheticSamples({
          end,
          minutes: DAY_AND_HOUR,
          fineMinutes: 7 * 60,
          traffic: histories[name === 'secret' ? 'spent' : name],
        });
        await knex.batchInsert(
          'service_health_metric_samples',
          samples.map(s => ({
            entity_ref: `component:default/${name}`,
            environment: 'default',
            scraped_at: s.t,
            sample: JSON.stringify(s),
          })),
          500,
        );
      }
      await scheduler.triggerTask(SLO_AGGREGATE_TASK_ID);
      // 'unaggregated' has a file but no evaluation yet: take it out of the stored ones
      await knex('service_health_slo_status')
        .where({ entity_ref: 'component:default/unaggregated' })
        .delete();

      const refs = [
        'component:default/spent',
        'component:default/burning',
        'component:default/steady',
        'component:default/secret',
        'component:default/no-file',
        'component:default/unaggregated',
        'component:default/no-slo',
        'component:default/unmonitored',
        'component:default/nobody',
        'Component:default/Steady',
      ];
      const readsBefore = fileReads;
      const res = await post({ entityRefs: refs });
      expect(res.status).toBe(200);
      // the batch read reads no OpenSLO file
      expect(fileReads).toBe(readsBefore);
      const { items } = res.body as SloStatusBatchResponse;
      expect(items).toHaveLength(refs.length);
      const asOf = new Date(end).toISOString();
      const [
        spent,
        burning,
        steady,
        secret,
        noFile,
        unaggregated,
        noSlo,
        unmonitored,
        nobody,
        steadyAgain,
      ] = items;

      expect(spent).toMatchObject({
        entityRef: 'component:default/spent',
        environment: 'default',
        state: 'breached',
        asOf,
        worst: { name: 'availability', target: 0.999, window: '28d' },
      });
      expect(spent!.worst!.sli).toBeCloseTo(0.99, 9);
      expect(spent!.worst!.errorBudgetRemaining).toBeCloseTo(1 - 10, 9);

      expect(burning).toMatchObject({
        state: 'at-risk',
        asOf,
        worst: { name: 'availability', status: 'page' },
      });
      // 1,200 bad of 1,495,000 requests (the first scrape, 5 minutes in, is
      // the counters' base) against a 0.1 % budget
      expect(burning!.worst!.errorBudgetRemaining).toBeCloseTo(
        1 - 1200 / 1_495_000 / 0.001,
        9,
      );

      expect(steady).toMatchObject({
        state: 'met',
        asOf,
        worst: { name: 'availability', status: 'ok', sli: 1 },
      });
      expect(steady!.worst!.errorBudgetRemaining).toBeCloseTo(1, 9);
      expect(steady!.slos).toHaveLength(1);

      // not readable by the user: answered like an entity that does not exist
      expect(secret).toBeNull();
      expect(nobody).toBeNull();

      expect(noFile).toMatchObject({
        state: 'no-data',
        reason: `The OpenSLO file ${filesUrl}/repo/nope.yaml does not exist`,
      });
      expect(unaggregated).toMatchObject({
        state: 'no-data',
        reason: expect.stringMatching(/^Not evaluated yet/),
      });
      expect(noSlo).toMatchObject({
        state: 'none',
        reason: 'No fastify-backstage.io/openslo annotation',
      });
      expect(unmonitored).toMatchObject({ state: 'none' });
      // refs match case-insensitively, as in the catalog
      expect(steadyAgain).toMatchObject({ state: 'met' });

      // the secret entity was evaluated all the same (the task reads the
      // catalog as the plugin): only the user's read leaves it out
      const stored = await knex('service_health_slo_status')
        .where({ entity_ref: 'component:default/secret' })
        .first();
      expect(stored).toBeDefined();
    });

    it('rejects invalid requests', async () => {
      expect((await post({ entityRefs: [''] })).status).toBe(400);
      expect(
        (await post({ entityRefs: [], environment: 'nowhere' })).status,
      ).toBe(400);
      const anonymous = await request(backend.server)
        .post('/api/service-health/slos/status')
        .set('authorization', mockCredentials.none.header())
        .send({ entityRefs: ['component:default/steady'] });
      expect(anonymous.status).toBe(401);
    });
  },
);
