import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  createLocalRepository,
  localGitUrlReaderServiceFactory,
} from '@fastify-backstage/plugin-local-git-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { component, entityApi } from '../__testUtils__/backend';
import { manualScheduler } from '../__testUtils__/scheduler';
import { serviceHealthPlugin } from '../plugin';
import { availabilitySloYaml } from './__testUtils__/openslo';

jest.setTimeout(60_000);

const OPENSLO = availabilitySloYaml({ objective: 'targetPercent: 99.9' });

/**
 * The portal's case: the service's repository is a local bare repository
 * (the local publisher's), read through the local-git UrlReader, with the
 * annotation's path relative to the entity's source location.
 */
describe('SLOs of a service in a local repository', () => {
  let dir: string;
  let backend: TestBackend;
  let contentsUrl: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sh-slo-local-git-'));
    const root = path.join(dir, 'repos');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'slo.yaml'), OPENSLO);
    fs.writeFileSync(path.join(src, 'catalog-info.yaml'), 'kind: Component\n');
    const repo = await createLocalRepository({
      root,
      name: 'orders',
      sourceDir: src,
      defaultBranch: 'main',
      commitMessage: 'init',
      author: { name: 'a', email: 'a@b' },
    });
    contentsUrl = repo.repoContentsUrl;
    backend = await startTestBackend({
      features: [
        serviceHealthPlugin,
        localGitUrlReaderServiceFactory,
        catalogServiceMock.factory({
          entities: [
            component('orders', {
              'service-health.io/base-url': 'http://127.0.0.1:1',
              // As the catalog module's local-git processor registers it.
              'backstage.io/managed-by-location': `local-git:${contentsUrl}/catalog-info.yaml`,
              'fastify-backstage.io/openslo': './slo.yaml',
            }),
          ],
        }),
        manualScheduler().factory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
            scaffolder: { fastify: { localRepositoryRoot: root } },
            serviceHealth: { allowedHosts: ['127.0.0.1'] },
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the OpenSLO file from the repository; no scrapes yet: no data', async () => {
    const res = await request(backend.server).get(entityApi('orders/slos'));
    expect(res.status).toBe(200);
    expect(res.body.source).toEqual({ source: 'direct', status: 'no-data' });
    expect(res.body.data.file).toBe(`${contentsUrl}/slo.yaml`);
    expect(res.body.data.slos).toEqual([
      expect.objectContaining({
        name: 'availability',
        target: 0.999,
        window: '28d',
        status: 'no-data',
        burnRates: {},
        alerts: { page: false, ticket: false },
      }),
    ]);
  });
});
