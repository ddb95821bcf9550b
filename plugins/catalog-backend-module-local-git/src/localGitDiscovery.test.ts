/*
 * The catalog module's discovery of local repositories, in a real catalog
 * (catalog-backend + this package's catalog module, in-memory SQLite): what
 * makes services created with fastify:publish:local survive a restart, and
 * what happens when fastify:catalog:register-local registered the same
 * repository as well.
 */
import {
  coreServices,
  createServiceFactory,
  LoggerService,
  RootLoggerService,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import fs from 'node:fs';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { catalogModuleLocalGit } from './module';
import {
  createTestRepository,
  makeTempDir,
  waitFor,
} from './__testUtils__/repositories';

jest.setTimeout(120_000);

/** Keeps the backend's warnings and errors (to look for catalog conflicts). */
class RecordingLogger implements RootLoggerService {
  constructor(readonly lines: string[] = []) {}
  error(message: string, meta?: unknown) {
    this.lines.push(
      `error: ${message} ${meta instanceof Error ? meta.message : ''}`,
    );
  }
  warn(message: string) {
    this.lines.push(`warn: ${message}`);
  }
  info() {}
  debug() {}
  child(): LoggerService {
    return this;
  }
}

const catalogInfo = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  owner: group:default/team-a
  lifecycle: experimental
`;

describe('discovery of local repositories in the catalog', () => {
  const root = path.join(makeTempDir('fastify-discovery-'), 'local-git');
  const logger = new RecordingLogger();
  // The test backend's scheduler (a MockSchedulerService, whose type is not exported): it runs
  // the tasks on start, then only when triggered, and triggerTask() resolves when the run is done.
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(): ServiceFactory<SchedulerService, 'plugin'>;
  };
  const rescan = () =>
    scheduler.triggerTask('LocalGitDiscoveryProvider:refresh');
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let baseUrl: string;

  const publish = (name: string) =>
    createTestRepository(root, name, {
      'catalog-info.yaml': catalogInfo(name),
    });

  async function api(method: string, urlPath: string, body?: unknown) {
    const res = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: {
        authorization: mockCredentials.user.header(),
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  const component = (name: string) =>
    api('GET', `/api/catalog/entities/by-name/component/default/${name}`);
  const appears = (name: string) =>
    waitFor(`${name} in the catalog`, async () =>
      (await component(name)).status === 200 ? true : undefined,
    );
  const disappears = (name: string) =>
    waitFor(`${name} to leave the catalog`, async () =>
      (await component(name)).status === 404 ? true : undefined,
    );
  async function locationEntities() {
    const res = await api(
      'GET',
      '/api/catalog/entities/by-query?filter=kind=location',
    );
    return res.body.items as any[];
  }

  beforeAll(async () => {
    // two services published before the backend starts: what a restart finds
    await publish('orders-api');
    await publish('payments-api');
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleLocalGit,
        createServiceFactory({
          service: coreServices.rootLogger,
          deps: {},
          factory: () => logger,
        }),
        scheduler.factory(),
        mockServices.rootConfig.factory({
          data: {
            catalog: { rules: [{ allow: ['Component', 'Location'] }] },
            scaffolder: {
              fastify: {
                localRepositoryRoot: root,
                localRepositoryDiscovery: { frequencySeconds: 5 },
              },
            },
          },
        }),
      ],
    });
    baseUrl = `http://localhost:${
      (backend.server.address() as AddressInfo).port
    }`;
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('finds the repositories on start, with one local-git Location each', async () => {
    await appears('orders-api');
    await appears('payments-api');
    const entity = (await component('orders-api')).body;
    const target = `file://${root}/orders-api.git/blob/main/catalog-info.yaml`;
    expect(
      entity.metadata.annotations['backstage.io/managed-by-location'],
    ).toBe(`local-git:${target}`);
    const locations = await locationEntities();
    expect(locations.map(l => l.spec.target).sort()).toEqual([
      target,
      `file://${root}/payments-api.git/blob/main/catalog-info.yaml`,
    ]);
    expect(locations.every(l => l.spec.type === 'local-git')).toBe(true);
  });

  it('removes a service whose repository was deleted', async () => {
    await appears('payments-api');
    fs.rmSync(path.join(root, 'payments-api.git'), { recursive: true });
    await rescan();
    await disappears('payments-api');
    expect((await locationEntities()).map(l => l.spec.target)).toEqual([
      `file://${root}/orders-api.git/blob/main/catalog-info.yaml`,
    ]);
    expect((await component('orders-api')).status).toBe(200);
  });

  it('keeps one entity when register-local registered the same repository, and still follows the repository', async () => {
    const repo = await publish('billing-api');
    const target = `${repo.repoContentsUrl}/catalog-info.yaml`;
    // what fastify:catalog:register-local sends right after publishing
    const registered = await api(
      'POST',
      '/api/catalog/locations?onConflict=refresh',
      { type: 'local-git', target },
    );
    expect(registered.status).toBe(201);
    await appears('billing-api');
    // the provider scans while the registered location exists
    await rescan();
    await appears('billing-api');
    const sameTarget = (await locationEntities()).filter(
      l => l.spec.target === target,
    );
    expect(sameTarget).toHaveLength(1);
    expect(sameTarget[0].metadata.name).toBe(
      registered.body.location.entityRef.split('/')[1],
    );
    expect(
      (
        await api(
          'GET',
          '/api/catalog/entities/by-query?filter=metadata.name=billing-api',
        )
      ).body.items,
    ).toHaveLength(1);

    // the repository decides: deleted, the service leaves although the location is still registered
    fs.rmSync(path.join(root, 'billing-api.git'), { recursive: true });
    await rescan();
    await disappears('billing-api');

    // created again under the same name: registering again is no conflict (refresh), and it is back
    await publish('billing-api');
    const again = await api(
      'POST',
      '/api/catalog/locations?onConflict=refresh',
      { type: 'local-git', target },
    );
    expect(again.status).toBe(201);
    await appears('billing-api');

    expect(logger.lines.filter(l => /conflict/i.test(l))).toEqual([]);
  });
});
