/*
 * The template, run through the scaffolder's HTTP API against a real backend
 * (scaffolder + catalog with the Template kind + this package), publishing to a
 * local repository and registering the component in the catalog.
 */
import git from 'isomorphic-git';
import fs from 'node:fs';
import path from 'node:path';
import {
  runTemplateTask,
  startPortalBackend,
  TEST_USER,
  waitFor,
} from '../__testUtils__/backend';
import { makeTempDir, ORG_YAML, writeTree } from '../__testUtils__/fixtures';
import { copyTemplateSources } from '../__testUtils__/templateSources';

jest.setTimeout(180_000);

describe('the Fastify service template through the scaffolder HTTP API', () => {
  let portal: Awaited<ReturnType<typeof startPortalBackend>>;
  let repoRoot: string;

  beforeAll(async () => {
    const dir = makeTempDir('fastify-http-');
    const templateFile = await copyTemplateSources(dir);
    writeTree(dir, { 'org.yaml': ORG_YAML });
    repoRoot = path.join(dir, 'local-git');
    portal = await startPortalBackend({
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
        ],
      },
      scaffolder: { fastify: { localRepositoryRoot: repoRoot } },
    });
    await waitFor('the template in the catalog', async () => {
      const res = await portal.api(
        'GET',
        '/api/catalog/entities/by-name/template/default/fastify-service',
      );
      return res.status === 200 ? true : undefined;
    });
    await waitFor('the user in the catalog', async () => {
      const res = await portal.api(
        'GET',
        '/api/catalog/entities/by-name/user/default/jane',
      );
      return res.status === 200 ? true : undefined;
    });
  });

  afterAll(async () => {
    await portal?.backend.stop();
  });

  const runTask = (values: Record<string, unknown>) =>
    runTemplateTask(portal.api, 'template:default/fastify-service', values);

  const values = {
    name: 'orders-api',
    description: 'Takes orders',
    owner: 'group:default/team-a',
    system: 'system:default/shop',
    lifecycle: 'experimental',
    database: 'postgres',
    events: 'redis-streams',
    auth: 'jwt',
    port: 8081,
    publishTarget: 'local',
  };

  it('creates the repository and registers the component', async () => {
    const { task, events } = await runTask(values);
    const log = events
      .filter(e => e.type === 'log')
      .map(e => e.body.message)
      .join('\n');
    expect({
      status: task.status,
      log: task.status === 'completed' ? '' : log,
    }).toEqual({ status: 'completed', log: '' });
    // one step per thing that happened: nothing skipped, each step finished once
    expect(events.filter(e => e.body.status === 'skipped')).toEqual([]);
    const finished = events
      .map(e => e.body.message)
      .filter(m => /^Finished step /.test(m ?? ''));
    expect(finished).toEqual([
      "Finished step Read the template's version",
      "Finished step Read the portal's address",
      'Finished step Render the service',
      'Finished step Apply the feature choices',
      'Finished step Record the template version and answers',
      'Finished step Publish the repository',
      'Finished step Keep the pristine render on the template branch',
      'Finished step Register in the catalog',
    ]);

    // the repository: bare, one commit, authored by the user who ran the template
    const gitdir = path.join(repoRoot, 'orders-api.git');
    const commits = await git.log({ fs, gitdir, ref: 'main' });
    expect(commits).toHaveLength(1);
    expect(commits[0].commit.author).toMatchObject({
      name: 'Jane Doe',
      email: 'jane@example.com',
    });
    const files = await git.listFiles({ fs, gitdir, ref: 'main' });
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'catalog-info.yaml']),
    );
    expect(files).not.toContain('features.json');
    expect(files.some(f => f.startsWith('node_modules/'))).toBe(false);

    // the task's output
    const completion = events.find(e => e.type === 'completion');
    const output = completion.body.output;
    const remoteUrl = `file://${gitdir}`;
    expect(output.links).toEqual([
      // the portal's read-only view of the repository (a browser does not open file:// links)
      {
        title: 'Repository',
        icon: 'github',
        url: 'http://localhost:3000/local-git/orders-api',
      },
      {
        title: 'Open in catalog',
        icon: 'catalog',
        entityRef: 'component:default/orders-api',
      },
      {
        title: 'Health',
        icon: 'dashboard',
        url: '/catalog/default/component/orders-api/health',
      },
    ]);
    expect(output.text[0].content).toContain(
      `git clone ${remoteUrl} orders-api`,
    );
    expect(output.text[0].content).toContain('npm run dev');

    // the catalog: the component with owner, system and links, read from the repository
    const entity = await waitFor('the component in the catalog', async () => {
      const res = await portal.api(
        'GET',
        '/api/catalog/entities/by-name/component/default/orders-api',
      );
      return res.status === 200 && res.body.relations?.length
        ? res.body
        : undefined;
    });
    expect(entity.spec).toMatchObject({
      owner: 'group:default/team-a',
      system: 'system:default/shop',
      lifecycle: 'experimental',
    });
    expect(
      entity.metadata.annotations['backstage.io/managed-by-location'],
    ).toBe(`local-git:${remoteUrl}/blob/main/catalog-info.yaml`);
    expect(entity.metadata.annotations['service-health.io/base-url']).toBe(
      'http://localhost:8081',
    );
    expect(entity.metadata.links?.length).toBeGreaterThan(0);
    expect(entity.relations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'ownedBy',
          targetRef: 'group:default/team-a',
        }),
        expect.objectContaining({
          type: 'partOf',
          targetRef: 'system:default/shop',
        }),
      ]),
    );
    expect(entity.relations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'providesApi',
          targetRef: 'api:default/orders-api',
        }),
      ]),
    );

    // its API, whose definition the catalog read from the repository's openapi.json
    const api = await waitFor('the API in the catalog', async () => {
      const res = await portal.api(
        'GET',
        '/api/catalog/entities/by-name/api/default/orders-api',
      );
      return res.status === 200 ? res.body : undefined;
    });
    expect(api.spec).toMatchObject({
      type: 'openapi',
      owner: 'group:default/team-a',
    });
    const definition = JSON.parse(api.spec.definition);
    expect(definition.info.title).toBe('orders-api');
    expect(Object.keys(definition.paths)).toEqual(
      expect.arrayContaining(['/health', '/v1/info', '/v1/items']),
    );
    expect(TEST_USER).toBe('user:default/jane');
  });

  it('describes the local repository for the page the Repository link opens', async () => {
    const res = await portal.api(
      'GET',
      '/api/scaffolder/fastify/local-repositories/orders-api',
    );
    expect(res.status).toBe(200);
    const remoteUrl = `file://${path.join(repoRoot, 'orders-api.git')}`;
    expect(res.body).toMatchObject({
      name: 'orders-api',
      defaultBranch: 'main',
      remoteUrl,
      cloneCommand: `git clone ${remoteUrl} orders-api`,
      commits: [
        expect.objectContaining({
          message: 'Create orders-api from the Fastify service template',
          author: 'Jane Doe',
        }),
      ],
    });
    expect(res.body.files).toContain('catalog-info.yaml');
    const list = await portal.api(
      'GET',
      '/api/scaffolder/fastify/local-repositories',
    );
    expect(list.body.items).toEqual([
      { name: 'orders-api', defaultBranch: 'main' },
    ]);
    expect(res.body.readme).toContain('orders-api');
    const missing = await portal.api(
      'GET',
      '/api/scaffolder/fastify/local-repositories/nothing-here',
    );
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).not.toMatch(/\/\S+\.(ts|js):\d+/);
  });

  it('says GitHub publishing needs a token, on the form and in a task, without a stack trace', async () => {
    const targets = await portal.api(
      'GET',
      '/api/scaffolder/fastify/publish-targets',
    );
    expect(targets.body.items).toEqual([
      { id: 'local', available: true },
      {
        id: 'github',
        available: false,
        reason: expect.stringContaining('has no token'),
      },
    ]);
    const { task, events } = await runTask({
      ...values,
      name: 'github-api',
      publishTarget: 'github',
      repoUrl: 'github.com?owner=acme&repo=github-api',
    });
    expect(task.status).toBe('failed');
    const log = events.map(e => e.body.message).join('\n');
    expect(log).toContain('has no token');
    expect(log).not.toMatch(/\/\S+\.(ts|js):\d+/);
  });

  it('fails clearly when the repository already exists, leaving it intact', async () => {
    const gitdir = path.join(repoRoot, 'orders-api.git');
    const before = await git.log({ fs, gitdir, ref: 'main' });
    const { task, events } = await runTask({ ...values, description: 'Again' });
    expect(task.status).toBe('failed');
    const log = events.map(e => e.body.message).join('\n');
    expect(log).toContain("Repository 'orders-api' already exists");
    expect(log).not.toMatch(/\/\S+\.(ts|js):\d+/);
    const after = await git.log({ fs, gitdir, ref: 'main' });
    expect(after.map(c => c.oid)).toEqual(before.map(c => c.oid));
  });

  it('rejects values that break the form rules', async () => {
    const bad = await portal.api('POST', '/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/fastify-service',
      values: { ...values, name: 'Orders API' },
    });
    expect(bad.status).toBe(400);
    const noRepo = await portal.api('POST', '/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/fastify-service',
      values: { ...values, publishTarget: 'github' },
    });
    expect(noRepo.status).toBe(400);
  });
});
