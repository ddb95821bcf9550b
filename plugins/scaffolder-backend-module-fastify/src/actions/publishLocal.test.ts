import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import git from 'isomorphic-git';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPublishLocalAction } from './publishLocal';
import { makeTempDir, writeTree } from '../__testUtils__/fixtures';

const user = {
  ref: 'user:default/jane',
  entity: {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'jane' },
    spec: {
      profile: { displayName: 'Jane Doe', email: 'jane@example.com' },
      memberOf: [],
    },
  },
};

function setup(options: { root?: string } = {}) {
  const root = options.root ?? path.join(makeTempDir(), 'repos');
  const action = createPublishLocalAction({
    config: new ConfigReader({
      scaffolder: { fastify: { localRepositoryRoot: root } },
    }),
  });
  const context = (
    input: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => {
    const workspacePath = makeTempDir('fastify-ws-');
    writeTree(workspacePath, {
      'package.json': '{"name":"orders-api"}\n',
      'src/index.ts': 'export {};\n',
      '.gitignore': 'node_modules\n',
      'node_modules/x/index.js': 'ignored\n',
    });
    fs.chmodSync(path.join(workspacePath, 'src/index.ts'), 0o755);
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath,
      user: user as any,
    });
    return {
      ...ctx,
      createTemporaryDirectory: jest.fn(async () =>
        makeTempDir('fastify-scratch-'),
      ),
      ...extra,
    };
  };
  return { root, action, context };
}

async function commits(gitdir: string) {
  return git.log({ fs, gitdir, ref: 'main' });
}

describe('fastify:publish:local', () => {
  it('declares schemas, examples and dry-run support', () => {
    const { action } = setup();
    expect(action.id).toBe('fastify:publish:local');
    expect(action.supportsDryRun).toBe(true);
    expect(action.examples?.length).toBeGreaterThan(0);
    expect(action.schema?.input).toMatchObject({ required: ['name'] });
    expect(Object.keys((action.schema?.output as any).properties)).toEqual(
      expect.arrayContaining(['remoteUrl', 'repoContentsUrl', 'commitHash']),
    );
  });

  it('creates a bare repository with one commit authored by the user', async () => {
    const { root, action, context } = setup();
    const ctx = context({ name: 'orders-api' });
    await action.handler(ctx);

    const gitdir = path.join(root, 'orders-api.git');
    const remoteUrl = pathToFileURL(gitdir).href;
    const log = await commits(gitdir);
    expect(log).toHaveLength(1);
    expect(log[0].commit.author).toMatchObject({
      name: 'Jane Doe',
      email: 'jane@example.com',
    });
    expect(log[0].commit.message).toBe('Initial commit\n');
    expect(ctx.output).toHaveBeenCalledWith('remoteUrl', remoteUrl);
    expect(ctx.output).toHaveBeenCalledWith(
      'repoContentsUrl',
      `${remoteUrl}/blob/main`,
    );
    expect(ctx.output).toHaveBeenCalledWith('commitHash', log[0].oid);
    expect(ctx.output).toHaveBeenCalledWith(
      'cloneCommand',
      `git clone ${remoteUrl} orders-api`,
    );
    expect(await git.listFiles({ fs, gitdir, ref: 'main' })).toEqual([
      '.gitignore',
      'package.json',
      'src/index.ts',
    ]);
    expect(fs.existsSync(path.join(gitdir, 'index'))).toBe(false);
    expect(await git.getConfig({ fs, gitdir, path: 'core.bare' })).toBe(true);
    // the root ignores itself, so a root inside a work tree does not show up in git status
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toContain(
      '*',
    );
  });

  it('falls back to the entity ref name and the configured default author', async () => {
    const root = path.join(makeTempDir(), 'repos');
    const action = createPublishLocalAction({
      config: new ConfigReader({
        scaffolder: {
          fastify: { localRepositoryRoot: root },
          defaultAuthor: { name: 'Portal', email: 'portal@example.com' },
        },
      }),
    });
    const workspacePath = makeTempDir();
    writeTree(workspacePath, { 'a.txt': 'a\n' });
    const ctx = createMockActionContext({
      input: {
        name: 'svc',
        defaultBranch: 'trunk',
        gitCommitMessage: 'Hello',
      } as any,
      workspacePath,
      user: { ref: 'user:default/guest' },
    });
    await action.handler(ctx);
    const [entry] = await git.log({
      fs,
      gitdir: path.join(root, 'svc.git'),
      ref: 'trunk',
    });
    expect(entry.commit.author).toMatchObject({
      name: 'guest',
      email: 'portal@example.com',
    });
    expect(entry.commit.message).toBe('Hello\n');
    expect(
      await git.currentBranch({ fs, gitdir: path.join(root, 'svc.git') }),
    ).toBe('trunk');
  });

  it('refuses to publish twice to the same name and keeps the first repository intact', async () => {
    const { root, action, context } = setup();
    await action.handler(context({ name: 'orders-api' }));
    const gitdir = path.join(root, 'orders-api.git');
    const [first] = await commits(gitdir);

    const second = context({ name: 'orders-api' });
    await expect(action.handler(second)).rejects.toThrow(
      `Repository 'orders-api' already exists at ${gitdir}; choose another name (the existing repository was left untouched)`,
    );
    await expect(action.handler(second)).rejects.toMatchObject({
      name: 'ConflictError',
    });
    const after = await commits(gitdir);
    expect(after).toHaveLength(1);
    expect(after[0].oid).toBe(first.oid);
    expect(second.output).not.toHaveBeenCalled();
    // the dry run says so too
    await expect(
      action.handler({ ...context({ name: 'orders-api' }), isDryRun: true }),
    ).rejects.toThrow('already exists');
  });

  it('creates nothing in a dry run but returns realistic outputs', async () => {
    const { root, action, context } = setup();
    const ctx = { ...context({ name: 'orders-api' }), isDryRun: true };
    await action.handler(ctx);
    expect(fs.existsSync(path.join(root, 'orders-api.git'))).toBe(false);
    const remoteUrl = pathToFileURL(path.join(root, 'orders-api.git')).href;
    expect(ctx.output).toHaveBeenCalledWith('remoteUrl', remoteUrl);
    expect(ctx.output).toHaveBeenCalledWith(
      'commitHash',
      expect.stringMatching(/^[0-9a-f]{40}$/),
    );
  });

  it.each([
    '',
    '../evil',
    'a/b',
    '.hidden',
    'x.git',
    'a..b',
    'with space',
    'x'.repeat(101),
  ])('rejects the bad name %j', async name => {
    const { root, action, context } = setup();
    await expect(action.handler(context({ name }))).rejects.toThrow(
      `Invalid repository name '${name}'`,
    );
    expect(fs.existsSync(root)).toBe(false);
  });

  it('rejects a bad branch and a source path outside the workspace', async () => {
    const { action, context } = setup();
    await expect(
      action.handler(context({ name: 'a', defaultBranch: 'feat/x' })),
    ).rejects.toThrow("Invalid branch name 'feat/x'");
    await expect(
      action.handler(context({ name: 'a', sourcePath: '../..' })),
    ).rejects.toThrow("sourcePath '../..' must stay inside the workspace");
    await expect(
      action.handler(context({ name: 'a', sourcePath: 'nope' })),
    ).rejects.toThrow("sourcePath 'nope' does not exist");
  });

  it('reports an unwritable repository root clearly', async () => {
    const file = path.join(makeTempDir(), 'a-file');
    fs.writeFileSync(file, 'not a directory');
    for (const root of [file, path.join(file, 'repos')]) {
      const { action, context } = setup({ root });
      await expect(action.handler(context({ name: 'svc' }))).rejects.toThrow(
        `Cannot create the local repository root ${root}`,
      );
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('not a directory');
  });
});
