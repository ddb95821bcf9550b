import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRegisterLocalAction } from './registerLocal';
import { makeTempDir, writeTree } from '../__testUtils__/fixtures';

const root = path.join(makeTempDir(), 'repos');
const config = new ConfigReader({
  scaffolder: { fastify: { localRepositoryRoot: root } },
});
const repoContentsUrl = `${
  pathToFileURL(path.join(root, 'orders-api.git')).href
}/blob/main`;
const component = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-api', namespace: 'default' },
  spec: {
    type: 'service',
    owner: 'group:default/team-a',
    lifecycle: 'experimental',
  },
};

const generatedLocation: any = {
  ...component,
  kind: 'Location',
  metadata: { name: 'generated-x' },
};
function addLocation() {
  const response: any = {
    location: { id: '1', type: 'local-git', target: 'x' },
    entities: [generatedLocation, component],
    exists: false,
  };
  return jest.fn(async () => response);
}

describe('fastify:catalog:register-local', () => {
  it('registers a local-git location and outputs the entity ref', async () => {
    const catalog = catalogServiceMock.mock({
      addLocation: addLocation(),
      getEntityByRef: jest.fn(async () => component),
    });
    const action = createRegisterLocalAction({ config, catalog });
    expect(action.supportsDryRun).toBe(true);
    expect(action.examples?.length).toBeGreaterThan(0);
    const ctx = createMockActionContext({ input: { repoContentsUrl } });
    await action.handler(ctx);
    const target = `${repoContentsUrl}/catalog-info.yaml`;
    expect(catalog.addLocation).toHaveBeenCalledWith(
      { type: 'local-git', target, onConflict: 'refresh' },
      expect.anything(),
    );
    expect(catalog.addLocation).toHaveBeenCalledWith(
      { type: 'local-git', target, dryRun: true },
      expect.anything(),
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/orders-api',
    );
    expect(ctx.output).toHaveBeenCalledWith('catalogInfoUrl', target);
    expect(catalog.getEntityByRef).toHaveBeenCalledWith(
      'component:default/orders-api',
      { credentials: expect.anything() },
    );
  });

  it('waits until the catalog has processed the entity before setting its outputs', async () => {
    const getEntityByRef = jest
      .fn()
      .mockRejectedValueOnce(new Error('catalog busy'))
      .mockResolvedValueOnce(undefined)
      .mockResolvedValue(component);
    const catalog = catalogServiceMock.mock({
      addLocation: addLocation(),
      getEntityByRef,
    });
    const logger = mockServices.logger.mock();
    const ctx = createMockActionContext({ input: { repoContentsUrl }, logger });
    await createRegisterLocalAction({ config, catalog }).handler(ctx);
    expect(getEntityByRef).toHaveBeenCalledTimes(3);
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/orders-api',
    );
    // the outputs come only after the entity was readable
    const lastRead = Math.max(...getEntityByRef.mock.invocationCallOrder);
    const firstOutput = Math.min(
      ...(ctx.output as jest.Mock).mock.invocationCallOrder,
    );
    expect(firstOutput).toBeGreaterThan(lastRead);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('stops waiting after waitTimeoutSeconds with a warning and still succeeds', async () => {
    const catalog = catalogServiceMock.mock({
      addLocation: addLocation(),
      getEntityByRef: jest.fn(async () => undefined),
    });
    const logger = mockServices.logger.mock();
    const ctx = createMockActionContext({
      input: { repoContentsUrl, waitTimeoutSeconds: 0.3 },
      logger,
    });
    const started = Date.now();
    await createRegisterLocalAction({ config, catalog }).handler(ctx);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(catalog.getEntityByRef).toHaveBeenCalled();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'component:default/orders-api is not readable in the catalog yet after 0.3 s',
      ),
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/orders-api',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoUrl',
      `${repoContentsUrl}/catalog-info.yaml`,
    );
  });

  it('does not wait when waitForEntity is false', async () => {
    const catalog = catalogServiceMock.mock({ addLocation: addLocation() });
    const ctx = createMockActionContext({
      input: { repoContentsUrl, waitForEntity: false },
    });
    await createRegisterLocalAction({ config, catalog }).handler(ctx);
    expect(catalog.getEntityByRef).not.toHaveBeenCalled();
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/orders-api',
    );
  });

  it('stops waiting when the task is cancelled', async () => {
    const catalog = catalogServiceMock.mock({
      addLocation: addLocation(),
      getEntityByRef: jest.fn(async () => undefined),
    });
    const controller = new AbortController();
    const ctx = {
      ...createMockActionContext({ input: { repoContentsUrl } }),
      signal: controller.signal,
    };
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(
      createRegisterLocalAction({ config, catalog }).handler(ctx),
    ).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ctx.output).not.toHaveBeenCalledWith('entityRef', expect.anything());
  });

  it('registers nothing in a dry run and reads the entity from the workspace', async () => {
    const catalog = catalogServiceMock.mock();
    const action = createRegisterLocalAction({ config, catalog });
    const workspacePath = makeTempDir();
    writeTree(workspacePath, {
      'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders-api\nspec: {}\n`,
    });
    const ctx = {
      ...createMockActionContext({ input: { repoContentsUrl }, workspacePath }),
      isDryRun: true,
    };
    await action.handler(ctx);
    expect(catalog.addLocation).not.toHaveBeenCalled();
    // nothing was registered, so there is nothing to wait for
    expect(catalog.getEntityByRef).not.toHaveBeenCalled();
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/orders-api',
    );
  });

  it.each([
    [
      'https://github.com/o/r/blob/main',
      'is not a local repository contents URL',
    ],
    [
      `${pathToFileURL('/etc/elsewhere.git').href}/blob/main`,
      'is outside the local repository root',
    ],
  ])('rejects %s', async (url, message) => {
    const action = createRegisterLocalAction({
      config,
      catalog: catalogServiceMock.mock(),
    });
    await expect(
      action.handler(
        createMockActionContext({ input: { repoContentsUrl: url } }),
      ),
    ).rejects.toThrow(message);
  });

  it('passes catalog errors on unless optional', async () => {
    const catalog = catalogServiceMock.mock({
      addLocation: jest.fn(async () => {
        throw new Error('boom');
      }),
    });
    const action = createRegisterLocalAction({ config, catalog });
    await expect(
      action.handler(createMockActionContext({ input: { repoContentsUrl } })),
    ).rejects.toThrow('boom');
    const ctx = createMockActionContext({
      input: { repoContentsUrl, optional: true },
    });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoUrl',
      `${repoContentsUrl}/catalog-info.yaml`,
    );
  });
});
