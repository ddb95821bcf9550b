/*
 * Template updates end to end, through the real scaffolder and catalog: services
 * are created from the template at version N (the current version, the copy under test), their
 * owners change them (a route, a README line, a dependency with its lockfile),
 * the template moves to a fixture version N+1 (README and package.json changed
 * elsewhere, a route changed, a file added, one removed, a feature file moved,
 * bumped with `template:bump`), and the "Update a Fastify service" template
 * merges N+1 into each service. For all features on and all off:
 *
 * - clean: the update branch keeps every owner change and has every template
 *   change, its regenerated lockfile installs unchanged, and the project
 *   builds, lints and passes its tests;
 * - conflicting (the owner changed the README line N+1 changes, and a file N+1
 *   deletes): the update reports exactly those files, both sides are in the
 *   branch, and the default branch is untouched.
 *
 * GitHub: one more service, its repository moved to a fixture that speaks
 * GitHub's REST API and git's smart HTTP protocol; its template branch is made
 * through the REST API (fastify:template:branch) and the update arrives as a
 * pull request.
 *
 * FASTIFY_MATRIX=render-only skips npm (install, lockfile, build, lint, tests).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import {
  runTemplateTask,
  startPortalBackend,
  waitFor,
} from '../__testUtils__/backend';
import { makeTempDir, ORG_YAML, writeTree } from '../__testUtils__/fixtures';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createTemplateBranchAction } from '../actions/templateBranch';
import {
  GITHUB_FIXTURE_TOKEN,
  startGithubFixture,
} from '../__testUtils__/githubFixture';
import { childEnv, runIn } from '../__testUtils__/projects';
import {
  copyTemplateSources,
  copyUpdateTemplate,
  REPO_ROOT,
  TEMPLATE_FILE,
} from '../__testUtils__/templateSources';

const RENDER_ONLY = process.env.FASTIFY_MATRIX === 'render-only';
// Services are made at the template's current version; the fixture moves it one minor version on.
const FROM: string = parse(fs.readFileSync(TEMPLATE_FILE, 'utf8')).metadata
  .annotations['backstage.io/template-version'];
const TO = FROM.replace(
  /^(\d+)\.(\d+)\.\d+$/,
  (_, major: string, minor: string) => `${major}.${Number(minor) + 1}.0`,
);
jest.setTimeout(RENDER_ONLY ? 300_000 : 30 * 60_000);

const exec = promisify(execFile);
const timings: string[] = [];
const run = (cwd: string, what: string, command: string, args: string[]) =>
  runIn(timings, cwd, what, command, args);
const git = async (cwd: string, ...args: string[]) =>
  (
    await exec('git', args, {
      cwd,
      env: {
        ...childEnv(),
        GIT_AUTHOR_NAME: 'Owner',
        GIT_AUTHOR_EMAIL: 'owner@example.com',
        GIT_COMMITTER_NAME: 'Owner',
        GIT_COMMITTER_EMAIL: 'owner@example.com',
      },
    })
  ).stdout.trim();

type Features = { database: string; events: string; auth: string };
const COMBINATIONS: Array<[string, Features]> = [
  [
    'all features on',
    { database: 'postgres', events: 'redis-streams', auth: 'jwt' },
  ],
  ['all features off', { database: 'none', events: 'none', auth: 'none' }],
];

const OWNER_ROUTE = `import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';

/** Added by the owner after the service was created. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/hello',
    { schema: { tags: ['service'], summary: 'A greeting', response: { 200: Type.Object({ hello: Type.String() }) } } },
    async () => ({ hello: 'world' }),
  );
};

export default routes;
`;
const OWNER_README_LINE = 'Maintained by team A; ask in #orders.';
const TEMPLATE_README_SECTION =
  '## Updating from the template\n\nThe portal offers template updates as a branch or pull request.\n';

const replaceOnce = (text: string, from: string, to: string) => {
  if (!text.includes(from)) throw new Error(`fixture: '${from}' not found`);
  return text.replace(from, to);
};
const edit = (file: string, change: (text: string) => string) =>
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));

/**
 * Version N+1 of the template copy in `templateDir`: the skeleton changed in
 * files the owners also change (elsewhere), a route changed, a file added and
 * one removed, the auth feature's script moved, then `template:bump`.
 */
async function makeNextVersion(templateDir: string) {
  const skeleton = path.join(templateDir, 'skeleton');
  edit(path.join(skeleton, 'README.md'), text =>
    replaceOnce(
      `${text.trimEnd()}\n\n${TEMPLATE_README_SECTION}`,
      '· Fastify 5 · TypeScript (ESM, strict) · Node 24',
      '· Fastify 5 · TypeScript (ESM, strict) · Node 24 · kept current by template updates',
    ),
  );
  edit(path.join(skeleton, 'package.json'), text =>
    replaceOnce(
      replaceOnce(
        text,
        '"typecheck": "tsc --noEmit",',
        '"typecheck": "tsc --noEmit",\n    "check": "npm run typecheck && npm run lint",',
      ),
      'scripts/token.ts',
      'scripts/dev-token.ts',
    ),
  );
  edit(path.join(skeleton, 'features.json'), text =>
    replaceOnce(text, '"scripts/token.ts"', '"scripts/dev-token.ts"'),
  );
  fs.renameSync(
    path.join(skeleton, 'scripts/token.ts'),
    path.join(skeleton, 'scripts/dev-token.ts'),
  );
  edit(path.join(skeleton, 'src/routes/v1/info.ts'), text =>
    replaceOnce(
      text,
      "summary: 'Service identity'",
      "summary: 'Service identity: name, version, description'",
    ),
  );
  // as the skeleton's rule says: a route's schema changed, so openapi.json follows
  edit(path.join(skeleton, 'openapi.json'), text =>
    replaceOnce(
      text,
      '"summary": "Service identity"',
      '"summary": "Service identity: name, version, description"',
    ),
  );
  fs.rmSync(path.join(skeleton, 'ops/prometheus.yml'));
  writeTree(skeleton, {
    'docs/upgrading.md':
      '# Upgrading ${{ values.name }}\n\nTemplate updates arrive as branches.\n',
  });
  // The skeleton hash lists files with git: make the copy a repository of its own.
  await git(templateDir, 'init', '-q');
  await git(templateDir, 'add', '-A');
  // the check refuses a changed skeleton without a new version
  const unbumped = await exec(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts/template-version.mjs'), 'check'],
    { env: { ...process.env, TEMPLATE_DIR: templateDir } },
  ).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  expect(unbumped?.code).toBe(1);
  expect(unbumped?.stderr).toContain(
    `the skeleton changed since version ${FROM}`,
  );
  expect(unbumped?.stderr).toContain('npm run template:bump');
  await exec(
    process.execPath,
    [
      path.join(REPO_ROOT, 'scripts/template-version.mjs'),
      'bump',
      '--minor',
      'Documents template updates, adds `npm run check`, moves the token script to scripts/dev-token.ts, drops ops/prometheus.yml.',
    ],
    { env: { ...process.env, TEMPLATE_DIR: templateDir } },
  );
  const check = await exec(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts/template-version.mjs'), 'check'],
    { env: { ...process.env, TEMPLATE_DIR: templateDir } },
  );
  expect(check.stdout).toContain(TO);
  const changelog = fs.readFileSync(
    path.join(templateDir, 'CHANGELOG.md'),
    'utf8',
  );
  expect(changelog).toMatch(
    new RegExp(
      `## ${TO.replace(
        /\./g,
        '\\.',
      )} - \\d{4}-\\d{2}-\\d{2}\n\n- Documents template updates[^\n]*\n\n## ${FROM.replace(
        /\./g,
        '\\.',
      )} `,
    ),
  );
}

describe('template updates', () => {
  let portal: Awaited<ReturnType<typeof startPortalBackend>>;
  let github: Awaited<ReturnType<typeof startGithubFixture>>;
  let githubConfig: JsonObject;
  let dir: string;
  let repoRoot: string;
  let templateDir: string;
  const started = Date.now();

  /** Runs a task that must complete; returns its output. */
  async function runTask(templateRef: string, values: Record<string, unknown>) {
    const { task, events } = await runTemplateTask(
      portal.api,
      templateRef,
      values,
      240_000,
    );
    const log = events
      .filter(e => e.type === 'log')
      .map(e => e.body.message)
      .join('\n');
    expect({
      status: task.status,
      log: task.status === 'completed' ? '' : log,
    }).toEqual({ status: 'completed', log: '' });
    return events.find(e => e.type === 'completion').body.output;
  }

  async function entity(name: string) {
    return waitFor(`${name} in the catalog`, async () => {
      const res = await portal.api(
        'GET',
        `/api/catalog/entities/by-name/component/default/${name}`,
      );
      return res.status === 200 ? res.body : undefined;
    });
  }

  const services = COMBINATIONS.flatMap(([label, features]) =>
    ['clean', 'conflict'].map(kind => ({
      label,
      features,
      kind,
      name: `svc-${features.database === 'none' ? 'off' : 'on'}-${kind}`,
    })),
  );
  /** Created locally, then its repository moves to the GitHub fixture as acme/orders-api. */
  const githubService = {
    label: 'on GitHub',
    features: COMBINATIONS[1][1],
    kind: 'github',
    name: 'svc-github',
  };

  beforeAll(async () => {
    dir = makeTempDir('fastify-update-');
    const templateFile = await copyTemplateSources(dir);
    templateDir = path.dirname(templateFile);
    const updateTemplateFile = copyUpdateTemplate(dir);
    writeTree(dir, { 'org.yaml': ORG_YAML });
    repoRoot = path.join(dir, 'local-git');
    github = await startGithubFixture(path.join(dir, 'github'));
    githubConfig = {
      github: [
        {
          host: github.host,
          apiBaseUrl: github.apiBaseUrl,
          token: GITHUB_FIXTURE_TOKEN,
        },
      ],
    };
    writeTree(dir, {
      'github-entity.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-on-github
  annotations:
    backstage.io/source-location: url:${github.baseUrl}/acme/orders-api/tree/main/
    template-updates.io/template-version: '${FROM}'
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
  scaffoldedFrom: template:default/fastify-service
`,
    });
    portal = await startPortalBackend({
      integrations: githubConfig,
      catalog: {
        rules: [
          {
            allow: [
              'Component',
              'API',
              'System',
              'Group',
              'User',
              'Template',
              'Location',
            ],
          },
        ],
        locations: [
          { type: 'file', target: path.join(dir, 'org.yaml') },
          { type: 'file', target: templateFile },
          { type: 'file', target: updateTemplateFile },
          { type: 'file', target: path.join(dir, 'github-entity.yaml') },
        ],
      },
      scaffolder: { fastify: { localRepositoryRoot: repoRoot } },
    });
    const api = portal.api;
    for (const name of ['fastify-service', 'fastify-service-update']) {
      await waitFor(`template ${name}`, async () => {
        const res = await api(
          'GET',
          `/api/catalog/entities/by-name/template/default/${name}`,
        );
        return res.status === 200 ? true : undefined;
      });
    }
    await entity('jane').catch(() => undefined);
  });

  afterAll(async () => {
    await portal?.backend.stop();
    await github?.close();
    // eslint-disable-next-line no-console
    console.log(
      `template updates in ${((Date.now() - started) / 1000).toFixed(
        0,
      )}s (${dir}):\n${timings.join('\n')}`,
    );
    if (!process.env.FASTIFY_MATRIX_KEEP)
      fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`creates services at ${FROM} that record their version, answers and pristine render`, async () => {
    for (const service of [...services, githubService]) {
      const output = await runTask('template:default/fastify-service', {
        name: service.name,
        description: `Update test ${service.label}`,
        owner: 'group:default/team-a',
        lifecycle: 'experimental',
        port: 8080,
        publishTarget: 'local',
        ...service.features,
      });
      expect(output.links[1].entityRef).toBe(
        `component:default/${service.name}`,
      );
      const component = await entity(service.name);
      expect(component.spec.scaffoldedFrom).toBe(
        'template:default/fastify-service',
      );
      expect(
        component.metadata.annotations['template-updates.io/template-version'],
      ).toBe(FROM);
      const gitdir = path.join(repoRoot, `${service.name}.git`);
      // the template branch is the first commit, the pristine render
      expect(await git(gitdir, 'rev-parse', 'template')).toBe(
        await git(gitdir, 'rev-parse', 'main'),
      );
      const record = JSON.parse(
        await git(gitdir, 'show', 'main:.backstage/template.json'),
      );
      expect(record).toEqual({
        templateRef: 'template:default/fastify-service',
        version: FROM,
        parameters: expect.objectContaining({
          name: service.name,
          ...service.features,
        }),
      });
    }
  });

  it('lets owners change their services (a route, the README, a dependency with its lockfile)', async () => {
    for (const service of services) {
      const work = path.join(dir, 'work', service.name);
      await git(
        dir,
        'clone',
        '-q',
        path.join(repoRoot, `${service.name}.git`),
        work,
      );
      edit(path.join(work, 'README.md'), text =>
        service.kind === 'clean'
          ? replaceOnce(
              text,
              `# ${service.name}\n`,
              `# ${service.name}\n\n${OWNER_README_LINE}\n`,
            )
          : replaceOnce(
              text,
              '· Fastify 5 · TypeScript (ESM, strict) · Node 24',
              '· Fastify 5 · TypeScript (ESM, strict) · Node 24 · on call: #orders',
            ),
      );
      writeTree(work, { 'src/routes/v1/hello.ts': OWNER_ROUTE });
      const pkg = JSON.parse(
        fs.readFileSync(path.join(work, 'package.json'), 'utf8'),
      );
      pkg.dependencies = { ...pkg.dependencies, ms: '^2.1.3' };
      fs.writeFileSync(
        path.join(work, 'package.json'),
        `${JSON.stringify(pkg, null, 2)}\n`,
      );
      if (service.kind === 'conflict') {
        // the template deletes this file in the next minor
        fs.appendFileSync(
          path.join(work, 'ops/prometheus.yml'),
          '# scraped every 15 s\n',
        );
      } else if (!RENDER_ONLY) {
        await run(work, 'npm install', 'npm', [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
        ]);
        await run(work, 'prettier', 'npx', [
          'prettier',
          '--write',
          'src/routes/v1/hello.ts',
        ]);
        // the owner follows the README: a new route means a new openapi.json
        await run(work, 'npm run openapi', 'npm', ['run', 'openapi']);
      }
      await git(work, 'add', '-A');
      await git(work, 'commit', '-q', '-m', 'Owner changes');
      await git(work, 'push', '-q', 'origin', 'main');
      expect(
        await git(
          path.join(repoRoot, `${service.name}.git`),
          'rev-parse',
          'main',
        ),
      ).toBe(await git(work, 'rev-parse', 'HEAD'));
    }
  });

  it('moves a repository to GitHub (fixture), with its template branch made through the REST API', async () => {
    const local = path.join(repoRoot, `${githubService.name}.git`);
    const pristine = await git(local, 'rev-parse', 'template');
    const remote = github.repoDir('acme', 'orders-api');
    fs.mkdirSync(path.dirname(remote), { recursive: true });
    await git(dir, 'clone', '-q', '--bare', local, remote);
    // As publish:github leaves it: main only.
    await git(remote, 'update-ref', '-d', 'refs/heads/template');
    const action = createTemplateBranchAction({
      config: new ConfigReader({ integrations: githubConfig }),
    });
    const ctx = createMockActionContext({
      input: {
        repoContentsUrl: `${github.baseUrl}/acme/orders-api/blob/main`,
        commitHash: pristine,
      },
    });
    await action.handler(ctx as any);
    expect(await git(remote, 'rev-parse', 'template')).toBe(pristine);
    expect(github.requests).toContain(
      'POST /api/v3/repos/acme/orders-api/git/refs',
    );
    // once more: the branch is there at that commit already, which is fine
    await action.handler(ctx as any);

    // the owner's change, pushed to "GitHub"
    const work = path.join(dir, 'work', githubService.name);
    await git(dir, 'clone', '-q', remote, work);
    edit(path.join(work, 'README.md'), text =>
      replaceOnce(
        text,
        `# ${githubService.name}\n`,
        `# ${githubService.name}\n\n${OWNER_README_LINE}\n`,
      ),
    );
    await git(work, 'commit', '-q', '-am', 'Owner changes');
    await git(work, 'push', '-q', 'origin', 'main');

    // the catalog entity of the moved repository (registered from the start)
    await entity('orders-on-github');
  });

  it(`moves the template to ${TO} (fixture) and the catalog sees it`, async () => {
    await makeNextVersion(templateDir);
    const refreshed = await portal.api('POST', '/api/catalog/refresh', {
      entityRef: 'template:default/fastify-service',
    });
    expect(refreshed.status).toBe(200);
    await waitFor(`template ${TO} in the catalog`, async () => {
      const res = await portal.api(
        'GET',
        '/api/catalog/entities/by-name/template/default/fastify-service',
      );
      return res.body?.metadata?.annotations?.[
        'backstage.io/template-version'
      ] === TO
        ? true
        : undefined;
    });
  });

  describe.each(COMBINATIONS)('%s', (_label, features) => {
    const on = features.database !== 'none';
    const name = (kind: string) => `svc-${on ? 'on' : 'off'}-${kind}`;

    it('merges cleanly: the owner changes stay, the template changes arrive, and it builds, lints and tests', async () => {
      const service = name('clean');
      const gitdir = path.join(repoRoot, `${service}.git`);
      const mainBefore = await git(gitdir, 'rev-parse', 'main');
      const templateBefore = await git(gitdir, 'rev-parse', 'template');
      const output = await runTask('template:default/fastify-service-update', {
        entity: `component:default/${service}`,
      });
      expect(output.text[0].title).toBe('Clean');
      expect(output.text[0].content).toContain(`**Clean.** ${FROM} → ${TO}`);
      expect(output.links[0]).toEqual({
        title: 'Update branch (diff)',
        icon: 'github',
        url: `/template-updates/local-compare?repository=${service}&base=main&head=template-update-${TO}`,
      });

      // main untouched; template advanced by the pristine render of the next minor; the update merges both
      expect(await git(gitdir, 'rev-parse', 'main')).toBe(mainBefore);
      expect(await git(gitdir, 'rev-parse', 'template^')).toBe(templateBefore);
      expect(
        (
          await git(
            gitdir,
            'rev-list',
            '--parents',
            '-n',
            '1',
            `template-update-${TO}`,
          )
        )
          .split(' ')
          .slice(1),
      ).toEqual([mainBefore, await git(gitdir, 'rev-parse', 'template')]);

      const work = path.join(dir, 'work', service);
      await git(work, 'fetch', '-q', 'origin');
      await git(
        work,
        'checkout',
        '-q',
        '-b',
        'update',
        `origin/template-update-${TO}`,
      );
      const read = (rel: string) =>
        fs.readFileSync(path.join(work, rel), 'utf8');
      const exists = (rel: string) => fs.existsSync(path.join(work, rel));
      // the owner's changes
      expect(read('README.md')).toContain(OWNER_README_LINE);
      expect(read('src/routes/v1/hello.ts')).toContain("'/hello'");
      const pkg = JSON.parse(read('package.json'));
      expect(pkg.dependencies.ms).toBe('^2.1.3');
      // the template's changes
      expect(read('README.md')).toContain('kept current by template updates');
      expect(read('README.md')).toContain('## Updating from the template');
      expect(pkg.scripts.check).toBe('npm run typecheck && npm run lint');
      expect(read('src/routes/v1/info.ts')).toContain(
        'Service identity: name, version, description',
      );
      // both sides changed openapi.json: the owner's route and the template's summary
      // (render-only runs skip the owner's `npm run openapi`)
      expect(read('openapi.json').includes('"/v1/hello"')).toBe(!RENDER_ONLY);
      expect(read('openapi.json')).toContain(
        '"summary": "Service identity: name, version, description"',
      );
      expect(read('docs/upgrading.md')).toContain(`# Upgrading ${service}`);
      expect(exists('ops/prometheus.yml')).toBe(false);
      expect(read('.backstage/template.json')).toContain(`"version": "${TO}"`);
      expect(
        parseAllDocuments(read('catalog-info.yaml'))
          .map(doc => doc.toJS())
          .find(doc => doc.kind === 'Component').metadata.annotations,
      ).toMatchObject({
        'template-updates.io/template-version': TO,
      });
      // the feature choices, including the moved feature file
      expect(exists('scripts/dev-token.ts')).toBe(on);
      expect(exists('scripts/token.ts')).toBe(false);
      expect(pkg.scripts.token).toBe(
        on ? 'node --env-file-if-exists=.env scripts/dev-token.ts' : undefined,
      );
      expect(exists('src/db')).toBe(on);
      expect(exists('src/events')).toBe(on);
      expect(exists('src/auth')).toBe(on);
      expect(read('README.md')).not.toContain('#region feature:');
      expect(read('README.md')).not.toContain('<<<<<<<');

      if (RENDER_ONLY) return;
      // the lockfile was regenerated, not merged: npm finds nothing to change
      expect(output.text[0].content).toContain(
        'package-lock.json was regenerated',
      );
      expect(
        JSON.parse(read('package-lock.json')).packages['node_modules/ms'],
      ).toBeDefined();
      await run(work, 'npm install', 'npm', [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ]);
      expect(await git(work, 'status', '--porcelain')).toBe('');
      await run(work, 'npm run build', 'npm', ['run', 'build']);
      await run(work, 'npm run lint', 'npm', ['run', 'lint']);
      await run(work, 'npm test', 'npm', ['test']);
    });

    it('reports a conflicting edit and loses nothing', async () => {
      const service = name('conflict');
      const gitdir = path.join(repoRoot, `${service}.git`);
      const mainBefore = await git(gitdir, 'rev-parse', 'main');
      const output = await runTask('template:default/fastify-service-update', {
        entity: `component:default/${service}`,
      });
      expect(output.text[0].title).toBe('Conflicts');
      expect(output.text[0].content).toContain('**Conflicts in 2 file(s).**');
      expect(output.text[0].content).toContain('- `README.md` (content)');
      expect(output.text[0].content).toContain(
        '- `ops/prometheus.yml` (deleted-by-template)',
      );
      expect(await git(gitdir, 'rev-parse', 'main')).toBe(mainBefore);

      const show = (rel: string) =>
        git(gitdir, 'show', `template-update-${TO}:${rel}`);
      const readme = await show('README.md');
      expect(readme).toMatch(
        new RegExp(
          `<<<<<<< main \\(your service\\)\n.*on call: #orders\n=======\n.*kept current by template updates\n>>>>>>> template ${TO.replace(
            /\./g,
            '\\.',
          )}\n`,
        ),
      );
      // the non-conflicting template change in the same file is applied
      expect(readme).toContain('## Updating from the template');
      // the owner's version of the file the template deleted is kept
      expect(await show('ops/prometheus.yml')).toContain(
        '# scraped every 15 s',
      );
      // every other change of both sides is there
      expect(await show('src/routes/v1/hello.ts')).toContain("'/hello'");
      expect(JSON.parse(await show('package.json')).dependencies.ms).toBe(
        '^2.1.3',
      );
      expect(await show('docs/upgrading.md')).toContain(
        `# Upgrading ${service}`,
      );
    });
  });

  it('on GitHub: pushes the branches and opens a pull request with the changelog', async () => {
    const remote = github.repoDir('acme', 'orders-api');
    const mainBefore = await git(remote, 'rev-parse', 'main');
    const templateBefore = await git(remote, 'rev-parse', 'template');
    const output = await runTask('template:default/fastify-service-update', {
      entity: 'component:default/orders-on-github',
    });
    expect(output.text[0].title).toBe('Clean');
    expect(output.links[0]).toEqual({
      title: 'Pull request',
      icon: 'github',
      url: `${github.baseUrl}/acme/orders-api/pull/1`,
    });
    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0];
    expect(pull).toMatchObject({
      title: `Update to template:default/fastify-service ${TO}`,
      head: `template-update-${TO}`,
      base: 'main',
    });
    expect(pull.body).toContain(`**Clean.** ${FROM} → ${TO}`);
    expect(pull.body).toContain(`### ${TO}`);
    expect(pull.body).toContain(
      'moves the token script to scripts/dev-token.ts',
    );
    // pushed over git's HTTP protocol: main untouched, template advanced, the update branch merges both
    expect(await git(remote, 'rev-parse', 'main')).toBe(mainBefore);
    expect(await git(remote, 'rev-parse', 'template^')).toBe(templateBefore);
    const readme = await git(remote, 'show', `template-update-${TO}:README.md`);
    expect(readme).toContain(OWNER_README_LINE);
    expect(readme).toContain('## Updating from the template');

    // a second run finds the branch and refuses to overwrite it
    const again = await runTemplateTask(
      portal.api,
      'template:default/fastify-service-update',
      { entity: 'component:default/orders-on-github' },
    );
    expect(again.task.status).toBe('failed');
    const events = again.events;
    expect(events.map(e => e.body.message).join('\n')).toContain(
      `already has a branch template-update-${TO}`,
    );
  });

  it('says a service at the current version is up to date', async () => {
    // main of svc-on-clean is still at the version it was made from (the update is a branch): use a fresh service at the new one
    await runTask('template:default/fastify-service', {
      name: 'svc-current',
      description: `Made at ${TO}`,
      owner: 'group:default/team-a',
      lifecycle: 'experimental',
      port: 8080,
      publishTarget: 'local',
      database: 'none',
      auth: 'none',
    });
    const output = await runTask('template:default/fastify-service-update', {
      entity: 'component:default/svc-current',
    });
    expect(output.text[0].title).toBe('Up to date');
    expect(output.links[0]).toEqual({
      title: 'Service',
      icon: 'github',
      url: '/catalog/default/component/svc-current',
    });
  });
});
