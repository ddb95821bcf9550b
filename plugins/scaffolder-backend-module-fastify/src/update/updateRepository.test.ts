import { mockServices } from '@backstage/backend-test-utils';
import { createLocalRepository } from '@fastify-backstage/plugin-local-git-node';
import git from 'isomorphic-git';
import fs from 'node:fs';
import { makeTempDir, writeTree } from '../__testUtils__/fixtures';
import { RenderedFile } from './render';
import { LocalServiceRepository } from './repositories';
import { updateRepository } from './updateRepository';

const author = { name: 'Jane', email: 'jane@example.com' };
const record = (version: string) =>
  `${JSON.stringify(
    {
      templateRef: 'template:default/svc',
      version,
      parameters: { name: 'orders' },
    },
    null,
    2,
  )}\n`;
const rendered = (files: Record<string, string>): RenderedFile[] =>
  Object.entries(files).map(([p, content]) => ({
    path: p,
    content: Buffer.from(content),
    executable: false,
  }));

describe('updateRepository', () => {
  const root = makeTempDir('update-repo-');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  async function repository(
    name: string,
    files: Record<string, string>,
    { templateBranch = true } = {},
  ) {
    const src = makeTempDir('update-src-');
    writeTree(src, files);
    const created = await createLocalRepository({
      root,
      name,
      sourceDir: src,
      defaultBranch: 'main',
      commitMessage: 'Create',
      author,
    });
    if (templateBranch) {
      await git.writeRef({
        fs,
        gitdir: created.path,
        ref: 'refs/heads/template',
        value: created.commitHash,
      });
    }
    return new LocalServiceRepository(created.path, 'main', name);
  }

  const options = (
    repo: LocalServiceRepository,
    files: Record<string, string>,
  ) => ({
    repository: repo,
    toVersion: '2.0.0',
    render: async () => rendered(files),
    author,
    scratchDir: makeTempDir('update-scratch-'),
    logger: mockServices.logger.mock(),
  });

  it('refuses repositories without a template branch, a record, or the pristine render of their version', async () => {
    const noBranch = await repository(
      'no-branch',
      { '.backstage/template.json': record('1.0.0') },
      { templateBranch: false },
    );
    await expect(updateRepository(options(noBranch, {}))).rejects.toThrow(
      "has no 'template' branch",
    );
    const noRecord = await repository('no-record', { 'README.md': '# x\n' });
    await expect(updateRepository(options(noRecord, {}))).rejects.toThrow(
      'has no .backstage/template.json',
    );
    const broken = await repository('broken', {
      '.backstage/template.json': '{"templateRef": 1}',
    });
    await expect(updateRepository(options(broken, {}))).rejects.toThrow(
      'needs templateRef, version and parameters',
    );
  });

  it('refuses a render that does not record the new version, touching nothing', async () => {
    const repo = await repository('stale-render', {
      '.backstage/template.json': record('1.0.0'),
    });
    const before = await repo.resolveBranch('template');
    await expect(
      updateRepository(
        options(repo, { '.backstage/template.json': record('1.5.0') }),
      ),
    ).rejects.toThrow('with version 1.5.0, expected 2.0.0');
    expect(await repo.resolveBranch('template')).toBe(before);
    expect(await repo.resolveBranch('template-update-2.0.0')).toBeUndefined();
  });

  it('says up to date without creating anything', async () => {
    const repo = await repository('current', {
      '.backstage/template.json': record('2.0.0'),
    });
    const result = await updateRepository(options(repo, {}));
    expect(result).toMatchObject({
      status: 'up-to-date',
      fromVersion: '2.0.0',
    });
    expect(await repo.resolveBranch('template-update-2.0.0')).toBeUndefined();
  });

  it('finds the base by the recorded version even when the default branch has not merged a later render', async () => {
    // 1.0.0 made the repository; an update to 1.5.0 was opened but never merged.
    const repo = await repository('unmerged', {
      '.backstage/template.json': record('1.0.0'),
      'README.md': '# orders\n\nintro\n',
    });
    const first = await updateRepository({
      ...options(repo, {
        '.backstage/template.json': record('1.5.0'),
        'README.md': '# orders\n\nintro 1.5\n',
      }),
      toVersion: '1.5.0',
    });
    expect(first.status).toBe('clean');
    // 2.0.0 is merged against the 1.0.0 render main still has, so both changes arrive.
    const second = await updateRepository(
      options(repo, {
        '.backstage/template.json': record('2.0.0'),
        'README.md': '# orders\n\nintro 1.5\n\n2.0 section\n',
      }),
    );
    expect(second.status).toBe('clean');
    const { blob } = await git.readBlob({
      fs,
      gitdir: repo.gitdir,
      oid: second.commit!,
      filepath: 'README.md',
    });
    expect(Buffer.from(blob).toString('utf8')).toBe(
      '# orders\n\nintro 1.5\n\n2.0 section\n',
    );
  });
});
