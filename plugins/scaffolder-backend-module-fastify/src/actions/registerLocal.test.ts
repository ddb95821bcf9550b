import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRegisterLocalAction } from './registerLocal';
import { makeTempDir, writeTree } from '../__testUtils__/fixtures';

const root = path.join(makeTempDir(), 'repos');
const config = new ConfigReader({ scaffolder: { fastify: { localRepositoryRoot: root } } });
const repoContentsUrl = `${pathToFileURL(path.join(root, 'orders-api.git')).href}/blob/main`;
const component = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-api', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/team-a', lifecycle: 'experimental' },
};

describe('fastify:catalog:register-local', () => {
  it('registers a local-git location and outputs the entity ref', async () => {
    const catalog = catalogServiceMock.mock({
      addLocation: jest.fn(async () => ({
        location: { id: '1', type: 'local-git', target: 'x' },
        entities: [{ ...component, kind: 'Location', metadata: { name: 'generated-x' } } as any, component],
        exists: false,
      }) as any),
    });
    const action = createRegisterLocalAction({ config, catalog });
    expect(action.supportsDryRun).toBe(true);
    expect(action.examples?.length).toBeGreaterThan(0);
    const ctx = createMockActionContext({ input: { repoContentsUrl } });
    await action.handler(ctx);
    const target = `${repoContentsUrl}/catalog-info.yaml`;
    expect(catalog.addLocation).toHaveBeenCalledWith({ type: 'local-git', target, onConflict: 'refresh' }, expect.anything());
    expect(catalog.addLocation).toHaveBeenCalledWith({ type: 'local-git', target, dryRun: true }, expect.anything());
    expect(ctx.output).toHaveBeenCalledWith('entityRef', 'component:default/orders-api');
    expect(ctx.output).toHaveBeenCalledWith('catalogInfoUrl', target);
  });

  it('registers nothing in a dry run and reads the entity from the workspace', async () => {
    const catalog = catalogServiceMock.mock();
    const action = createRegisterLocalAction({ config, catalog });
    const workspacePath = makeTempDir();
    writeTree(workspacePath, {
      'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders-api\nspec: {}\n`,
    });
    const ctx = { ...createMockActionContext({ input: { repoContentsUrl }, workspacePath }), isDryRun: true };
    await action.handler(ctx);
    expect(catalog.addLocation).not.toHaveBeenCalled();
    expect(ctx.output).toHaveBeenCalledWith('entityRef', 'component:default/orders-api');
  });

  it.each([
    ['https://github.com/o/r/blob/main', 'is not a local repository contents URL'],
    [`${pathToFileURL('/etc/elsewhere.git').href}/blob/main`, 'is outside the local repository root'],
  ])('rejects %s', async (url, message) => {
    const action = createRegisterLocalAction({ config, catalog: catalogServiceMock.mock() });
    await expect(action.handler(createMockActionContext({ input: { repoContentsUrl: url } }))).rejects.toThrow(message);
  });

  it('passes catalog errors on unless optional', async () => {
    const catalog = catalogServiceMock.mock({ addLocation: jest.fn(async () => { throw new Error('boom'); }) });
    const action = createRegisterLocalAction({ config, catalog });
    await expect(action.handler(createMockActionContext({ input: { repoContentsUrl } }))).rejects.toThrow('boom');
    const ctx = createMockActionContext({ input: { repoContentsUrl, optional: true } });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('catalogInfoUrl', `${repoContentsUrl}/catalog-info.yaml`);
  });
});
