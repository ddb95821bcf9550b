import { parseEntityYaml } from '@backstage/plugin-catalog-node';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalGitLocationProcessor } from './LocalGitLocationProcessor';
import {
  createTestRepository,
  makeTempDir,
} from './__testUtils__/repositories';

describe('LocalGitLocationProcessor', () => {
  const root = path.join(makeTempDir(), 'repos');
  const processor = new LocalGitLocationProcessor(root);
  const parser = async function* parse({ data, location }: any) {
    yield* parseEntityYaml(data, location);
  };

  beforeAll(async () => {
    await createTestRepository(root, 'orders-api', {
      'catalog-info.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders-api\nspec:\n  type: service\n',
    });
  });

  const url = (rest: string) =>
    `${
      pathToFileURL(path.join(root, 'orders-api.git')).href
    }/blob/main/${rest}`;

  it('ignores other location types', async () => {
    expect(
      await processor.readLocation(
        { type: 'url', target: 'x' },
        false,
        jest.fn(),
        parser,
      ),
    ).toBe(false);
  });

  it('reads the catalog file from the branch of the bare repository', async () => {
    const emit = jest.fn();
    const location = { type: 'local-git', target: url('catalog-info.yaml') };
    expect(await processor.readLocation(location, false, emit, parser)).toBe(
      true,
    );
    expect(emit).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'entity',
        entity: expect.objectContaining({ metadata: { name: 'orders-api' } }),
      }),
    );
  });

  it('emits errors for missing files, bad targets and repositories outside the root', async () => {
    const emit = jest.fn();
    await processor.readLocation(
      { type: 'local-git', target: url('nope.yaml') },
      false,
      emit,
      parser,
    );
    await processor.readLocation(
      { type: 'local-git', target: 'file:///etc/passwd' },
      false,
      emit,
      parser,
    );
    const outside = path.join(makeTempDir(), 'x.git');
    fs.mkdirSync(outside);
    await processor.readLocation(
      {
        type: 'local-git',
        target: `${pathToFileURL(outside).href}/blob/main/a.yaml`,
      },
      false,
      emit,
      parser,
    );
    expect(emit.mock.calls.map(([r]) => [r.type, r.error.name])).toEqual([
      ['error', 'NotFoundError'],
      ['error', 'InputError'],
      ['error', 'InputError'],
    ]);
    const quiet = jest.fn();
    await processor.readLocation(
      { type: 'local-git', target: url('nope.yaml') },
      true,
      quiet,
      parser,
    );
    expect(quiet).not.toHaveBeenCalled();
  });
});
