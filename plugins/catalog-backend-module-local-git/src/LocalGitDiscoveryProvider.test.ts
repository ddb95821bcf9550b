import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  EntityProviderConnection,
  EntityProviderMutation,
  EntityProviderRefreshOptions,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import fs from 'node:fs';
import path from 'node:path';
import {
  LocalGitDiscoveryProvider,
  localCatalogFileLocation,
  toDeferredLocationEntity,
} from './LocalGitDiscoveryProvider';
import { readLocalRepositoryDiscovery } from './config';
import {
  createTestRepository,
  makeTempDir,
} from './__testUtils__/repositories';

function connect(provider: LocalGitDiscoveryProvider) {
  const connection: jest.Mocked<EntityProviderConnection> = {
    applyMutation: jest.fn(async (_mutation: EntityProviderMutation) => {}),
    refresh: jest.fn(async (_options: EntityProviderRefreshOptions) => {}),
  };
  return provider.connect(connection).then(() => connection);
}

const catalogInfo = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  owner: team-a\n  lifecycle: experimental\n`;

describe('LocalGitDiscoveryProvider', () => {
  const logger = mockServices.logger.mock();

  it('emits one Location per repository with a catalog file, as register-local would register it', async () => {
    const root = path.join(makeTempDir(), 'repos');
    const orders = await createTestRepository(root, 'orders-api', {
      'catalog-info.yaml': catalogInfo('orders-api'),
    });
    const payments = await createTestRepository(
      root,
      'payments',
      { 'catalog-info.yaml': catalogInfo('payments') },
      'trunk',
    );
    await createTestRepository(root, 'no-catalog', {
      'README.md': '# no catalog file\n',
    });
    fs.mkdirSync(path.join(root, 'notes'));
    fs.mkdirSync(path.join(root, 'empty.git'));
    fs.writeFileSync(path.join(root, 'file.git'), 'not a directory');

    const provider = new LocalGitDiscoveryProvider({ root, logger });
    const connection = await connect(provider);
    const emitted = await provider.refresh();

    const expected = [orders, payments].map(r => ({
      type: 'local-git',
      target: `${r.repoContentsUrl}/catalog-info.yaml`,
    }));
    expect(emitted).toEqual(expected);
    expect(expected[1].target).toMatch(
      /payments\.git\/blob\/trunk\/catalog-info\.yaml$/,
    );
    expect(connection.applyMutation).toHaveBeenCalledTimes(1);
    const mutation = connection.applyMutation.mock.calls[0][0];
    expect(mutation.type).toBe('full');
    // exactly the entity and location key the catalog's location store uses for POST /locations
    expect(mutation).toEqual({
      type: 'full',
      entities: expected.map(location => ({
        entity: locationSpecToLocationEntity({ location }),
        locationKey: `local-git:${location.target}`,
      })),
    });
    expect(
      mutation.type === 'full' && mutation.entities[0].entity,
    ).toMatchObject({
      kind: 'Location',
      metadata: { name: expect.stringMatching(/^generated-[0-9a-f]{40}$/) },
      spec: { type: 'local-git', target: expected[0].target },
    });
  });

  it('uses the target fastify:catalog:register-local registers', async () => {
    const root = path.join(makeTempDir(), 'repos');
    const repo = await createTestRepository(root, 'svc', {
      'catalog-info.yaml': catalogInfo('svc'),
    });
    expect(localCatalogFileLocation(repo.repoContentsUrl)).toEqual({
      type: 'local-git',
      target: `${repo.repoContentsUrl}/catalog-info.yaml`,
    });
    expect(
      toDeferredLocationEntity(localCatalogFileLocation(repo.repoContentsUrl))
        .locationKey,
    ).toBe(`local-git:${repo.repoContentsUrl}/catalog-info.yaml`);
  });

  it('empties its Locations when the root does not exist, and emits nothing when the root cannot be read', async () => {
    const missing = new LocalGitDiscoveryProvider({
      root: path.join(makeTempDir(), 'nope'),
      logger,
    });
    const c1 = await connect(missing);
    await expect(missing.refresh()).resolves.toEqual([]);
    expect(c1.applyMutation).toHaveBeenCalledWith({
      type: 'full',
      entities: [],
    });

    const notADir = path.join(makeTempDir(), 'file');
    fs.writeFileSync(notADir, '');
    const broken = new LocalGitDiscoveryProvider({ root: notADir, logger });
    const c2 = await connect(broken);
    await expect(broken.refresh()).rejects.toThrow(/ENOTDIR/);
    expect(c2.applyMutation).not.toHaveBeenCalled();
  });

  it('refuses to refresh before the catalog connects it', async () => {
    const provider = new LocalGitDiscoveryProvider({
      root: makeTempDir(),
      logger,
    });
    await expect(provider.refresh()).rejects.toThrow('not connected');
  });

  it('schedules its scan with the given task runner', async () => {
    const run = jest.fn(async () => {});
    const provider = new LocalGitDiscoveryProvider({
      root: makeTempDir(),
      logger,
      taskRunner: { run },
    });
    await connect(provider);
    expect(run).toHaveBeenCalledWith({
      id: 'LocalGitDiscoveryProvider:refresh',
      fn: expect.any(Function),
    });
  });
});

describe('readLocalRepositoryDiscovery', () => {
  it('is on every 30 seconds by default, and configurable', () => {
    expect(readLocalRepositoryDiscovery(new ConfigReader({}))).toEqual({
      enabled: true,
      frequencySeconds: 30,
    });
    expect(
      readLocalRepositoryDiscovery(
        new ConfigReader({
          scaffolder: {
            fastify: {
              localRepositoryDiscovery: { enabled: false, frequencySeconds: 5 },
            },
          },
        }),
      ),
    ).toEqual({ enabled: false, frequencySeconds: 5 });
    expect(() =>
      readLocalRepositoryDiscovery(
        new ConfigReader({
          scaffolder: {
            fastify: { localRepositoryDiscovery: { frequencySeconds: 0 } },
          },
        }),
      ),
    ).toThrow('must be a positive number');
  });
});
