import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createLocalRepository } from '@fastify-backstage/plugin-local-git-node';
import git from 'isomorphic-git';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { templateUpdatesPlugin } from './plugin';

jest.setTimeout(60_000);

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'template-updates-'));
const templateDir = path.join(temp, 'template');
const root = path.join(temp, 'repositories');
const author = {
  name: 'a',
  email: 'a@example.com',
  timestamp: 1,
  timezoneOffset: 0,
};

const template: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: {
    name: 'svc',
    namespace: 'default',
    title: 'A service',
    annotations: {
      'backstage.io/managed-by-location': `file:${templateDir}/template.yaml`,
      'backstage.io/template-version': '1.2.0',
      'template-updates.io/update-template': 'template:default/svc-update',
    },
  },
  spec: { type: 'service', steps: [] },
};

function made(name: string, version: string | undefined, extra = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        ...(version ? { 'template-updates.io/template-version': version } : {}),
        ...extra,
      },
    },
    spec: {
      type: 'service',
      owner: 'team-a',
      lifecycle: 'production',
      scaffoldedFrom: 'template:default/svc',
    },
  };
}

describe('template-updates backend', () => {
  let backend: TestBackend;

  beforeAll(async () => {
    fs.mkdirSync(templateDir, { recursive: true });
    fs.writeFileSync(
      path.join(templateDir, 'CHANGELOG.md'),
      '# Changelog\n\n## 1.2.0 - 2026-11-30\n\n- Two.\n\n## 1.1.0 - 2026-11-01\n\n- One.\n\n## 1.0.0 - 2026-10-01\n\n- First.\n',
    );
    // a local repository whose update branch changes two files, one with a conflict
    const src = path.join(temp, 'src');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'README.md'), '# orders\n\nline\n');
    fs.writeFileSync(path.join(src, 'catalog-info.yaml'), 'kind: Component\n');
    const { path: gitdir, commitHash } = await createLocalRepository({
      root,
      name: 'orders',
      sourceDir: src,
      defaultBranch: 'main',
      commitMessage: 'init',
      author,
    });
    const readme = await git.writeBlob({
      fs,
      gitdir,
      blob: Buffer.from(
        '# orders\n\n<<<<<<< main (your service)\nmine\n=======\ntheirs\n>>>>>>> template 1.1.0\n',
      ),
    });
    const added = await git.writeBlob({
      fs,
      gitdir,
      blob: Buffer.from('new\n'),
    });
    const { commit } = await git.readCommit({ fs, gitdir, oid: commitHash });
    const { tree } = await git.readTree({ fs, gitdir, oid: commit.tree });
    const newTree = await git.writeTree({
      fs,
      gitdir,
      tree: [
        ...tree.filter(e => e.path !== 'README.md'),
        { mode: '100644', path: 'README.md', oid: readme, type: 'blob' },
        { mode: '100644', path: 'NEW.md', oid: added, type: 'blob' },
      ],
    });
    await git.commit({
      fs,
      gitdir,
      ref: 'refs/heads/template-update-1.1.0',
      message: 'Update to 1.1.0',
      tree: newTree,
      parent: [commitHash],
      author,
    });

    backend = await startTestBackend({
      features: [
        templateUpdatesPlugin,
        catalogServiceMock.factory({
          entities: [
            template,
            made('behind', '1.0.0', {
              'backstage.io/managed-by-location': `local-git:file://${gitdir}/blob/main/catalog-info.yaml`,
            }),
            made('current', '1.2.0'),
            made('unversioned', undefined),
          ],
        }),
        // No token, no credentials (the test backend's default is a user).
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: { scaffolder: { fastify: { localRepositoryRoot: root } } },
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  });

  const get = (url: string) =>
    request(backend.server)
      .get(`/api/template-updates${url}`)
      .set('authorization', mockCredentials.user.header());

  it('tells a service behind its template, with the changelog sections in between', async () => {
    const res = await get('/entities/component/default/behind/drift');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      entityRef: 'component:default/behind',
      templateRef: 'template:default/svc',
      templateTitle: 'A service',
      madeFrom: '1.0.0',
      current: '1.2.0',
      status: 'behind',
      changes: [
        { version: '1.2.0', date: '2026-11-30', body: '- Two.' },
        { version: '1.1.0', date: '2026-11-01', body: '- One.' },
      ],
      updateTemplateRef: 'template:default/svc-update',
    });
  });

  it('tells a current service, and refuses entities without a recorded version', async () => {
    const current = await get('/entities/component/default/current/drift');
    expect(current.body).toMatchObject({ status: 'current', changes: [] });
    const unversioned = await get(
      '/entities/component/default/unversioned/drift',
    );
    expect(unversioned.status).toBe(400);
    expect(unversioned.body.error.message).toContain(
      'records no template version',
    );
    expect((await get('/entities/component/default/nope/drift')).status).toBe(
      404,
    );
    expect(
      (await get('/entities/component/default/bad%20name/drift')).status,
    ).toBe(400);
    const anonymous = await request(backend.server).get(
      '/api/template-updates/entities/component/default/behind/drift',
    );
    expect(anonymous.status).toBe(401);
  });

  it("shows a local update branch's diff, marking files that still hold conflicts", async () => {
    const res = await get(
      '/local/orders/compare?base=main&head=template-update-1.1.0',
    );
    expect(res.status).toBe(200);
    expect(res.body.headCommit.message).toBe('Update to 1.1.0\n');
    expect(
      res.body.files.map((f: any) => [f.path, f.status, f.conflicted]),
    ).toEqual([
      ['NEW.md', 'added', false],
      ['README.md', 'modified', true],
    ]);
    expect(res.body.files[1].patch).toContain('+<<<<<<< main (your service)');
    expect(res.body.files[1].patch).toContain('-line');
  });

  it('refuses unknown repositories and branches, and bad names', async () => {
    expect((await get('/local/nope/compare?base=main&head=x')).status).toBe(
      404,
    );
    expect(
      (await get('/local/orders/compare?base=main&head=nope')).status,
    ).toBe(404);
    expect(
      (await get('/local/orders/compare?base=main&head=..%2Fx')).status,
    ).toBe(400);
    expect((await get('/local/..%2Fetc/compare?base=main&head=x')).status).toBe(
      400,
    );
  });
});
