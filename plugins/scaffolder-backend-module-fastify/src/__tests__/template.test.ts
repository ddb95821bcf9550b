/*
 * The template as the catalog and the portal see it: entity policies and the
 * Template kind validator (what the catalog runs before accepting it), form
 * fields that exist in the portal's scaffolder frontend, actions that exist in
 * the backend, and a form schema that accepts exactly the valid choices.
 */
import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import fs from 'node:fs';
import path from 'node:path';
import { validate } from 'jsonschema';
import {
  loadTemplate,
  REPO_ROOT,
  skeletonUrl,
  TEMPLATE_FILE,
} from '../__testUtils__/templateSources';

const template = loadTemplate();

function collect(node: unknown, key: string, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach(n => collect(n, key, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key && typeof v === 'string') out.push(v);
      else collect(v, key, out);
    }
  }
  return out;
}

/** The form fields the portal's scaffolder frontend (new frontend system) installs. */
function portalFormFields(): string[] {
  const pkgJson = require.resolve('@backstage/plugin-scaffolder/package.json', {
    paths: [path.join(REPO_ROOT, 'packages/app')],
  });
  const dir = path.dirname(pkgJson);
  const extensions = fs.readFileSync(
    path.join(dir, 'dist/alpha/extensions.esm.js'),
    'utf8',
  );
  const files = [
    ...extensions.matchAll(/import\('\.\/(fields\/[A-Za-z]+\.esm\.js)'\)/g),
  ].map(m => m[1]);
  const upstream = files.flatMap(f =>
    [
      ...fs
        .readFileSync(path.join(dir, 'dist/alpha', f), 'utf8')
        .matchAll(/name: "([A-Za-z]+)"/g),
    ].map(m => m[1]),
  );
  // The portal's own fields: @fastify-backstage/plugin-scaffolder-module-fastify.
  const fieldsDir = path.join(
    REPO_ROOT,
    'plugins/scaffolder-module-fastify/src/fields',
  );
  const ours = fs
    .readdirSync(fieldsDir)
    .filter(f => /^[A-Z]\w+\.tsx$/.test(f))
    .flatMap(f =>
      [
        ...fs
          .readFileSync(path.join(fieldsDir, f), 'utf8')
          .matchAll(/createFormField\(\{\s*name: '([A-Za-z]+)'/g),
      ].map(m => m[1]),
    );
  return [...upstream, ...ours];
}

describe('templates/fastify-service/template.yaml', () => {
  it('passes the catalog entity policies and the Template kind validator', async () => {
    const policy = EntityPolicies.allOf([
      new DefaultNamespaceEntityPolicy(),
      new NoForeignRootFieldsEntityPolicy(),
      new FieldFormatEntityPolicy(),
      new SchemaValidEntityPolicy(),
    ]);
    const entity = await policy.enforce(structuredClone(template));
    expect(entity).toBeDefined();
    expect(await templateEntityV1beta3Validator.check(entity!)).toBe(true);
  });

  it('uses only form fields the portal provides', () => {
    const available = portalFormFields();
    expect(available).toEqual(
      expect.arrayContaining([
        'EntityNamePicker',
        'OwnerPicker',
        'EntityPicker',
        'RepoUrlPicker',
      ]),
    );
    const used = [...new Set(collect(template.spec.parameters, 'ui:field'))];
    expect(used.sort()).toEqual([
      'EntityPicker',
      'GithubRepoPicker',
      'OwnerPicker',
      'PublishTargetPicker',
      'UniqueEntityNamePicker',
    ]);
    expect(used.filter(f => !available.includes(f))).toEqual([]);
  });

  it('uses only actions the portal backend installs', () => {
    const actions = template.spec.steps.map((s: any) => s.action);
    expect(actions).toEqual([
      'fastify:template:info',
      'fastify:portal:info',
      'fetch:template',
      'fastify:features:apply',
      'fastify:template:record',
      'fastify:publish',
      'fastify:template:branch',
      'fastify:catalog:register',
    ]);
    const backendIndex = fs.readFileSync(
      path.join(REPO_ROOT, 'packages/backend/src/index.ts'),
      'utf8',
    );
    expect(backendIndex).toContain(
      "import('@backstage/plugin-scaffolder-backend-module-github')",
    ); // publish:github, which fastify:publish runs for GitHub
    expect(backendIndex).toContain(
      "import('@fastify-backstage/plugin-scaffolder-backend-module-fastify')",
    ); // fastify:*
  });

  it('refers only to parameters the form defines', () => {
    const text = fs.readFileSync(TEMPLATE_FILE, 'utf8');
    const defined = new Set(collect(template.spec.parameters, '__never__'));
    const walk = (node: any) => {
      if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'properties')
            Object.keys(v as object).forEach(p => defined.add(p));
          walk(v);
        }
      }
    };
    walk(template.spec.parameters);
    const referenced = new Set(
      [...text.matchAll(/parameters\.([A-Za-z]+)/g)].map(m => m[1]),
    );
    expect([...referenced].filter(p => !defined.has(p))).toEqual([]);
  });

  describe('form schema (as the scaffolder backend validates task values)', () => {
    const base = {
      name: 'orders-api',
      description: 'Orders',
      owner: 'group:default/team-a',
      lifecycle: 'experimental',
      database: 'postgres',
      events: 'none',
      auth: 'jwt',
      port: 8080,
      publishTarget: 'local',
    };
    const valid = (values: Record<string, unknown>) =>
      template.spec.parameters.every(
        (page: any) => validate(values, page).valid,
      );

    it('accepts the six valid feature combinations', () => {
      for (const database of ['postgres', 'none']) {
        for (const events of database === 'postgres'
          ? ['redis-streams', 'none']
          : [undefined]) {
          for (const auth of ['jwt', 'none']) {
            expect(valid({ ...base, database, events, auth })).toBe(true);
          }
        }
      }
    });

    it.each([
      [{ name: 'Orders API' }, 'a name that is not kebab-case'],
      [{ database: 'mysql' }, 'an unknown database'],
      [{ events: undefined }, 'no events choice with a database'],
      [{ port: 80 }, 'a privileged port'],
      [{ lifecycle: 'beta' }, 'an unknown lifecycle'],
      [{ publishTarget: 'github' }, 'GitHub without a repository'],
    ])('rejects %j (%s)', (overrides, _reason) => {
      expect(valid({ ...base, ...overrides })).toBe(false);
    });

    it('asks for a GitHub repository only when publishing to GitHub', () => {
      expect(
        valid({
          ...base,
          publishTarget: 'github',
          repoUrl: 'github.com?owner=acme&repo=orders-api',
        }),
      ).toBe(true);
    });
  });

  it('keeps the skeleton inside the template folder, where the scaffolder can read it for file locations', () => {
    // fetchContents() resolves a relative url with resolveSafeChildPath(<template folder>, url):
    // for templates registered from files (the local portal) anything outside the template's
    // folder fails with "Relative path is not allowed to refer to a directory outside its parent".
    const url = skeletonUrl();
    const resolved = path.resolve(path.dirname(TEMPLATE_FILE), url);
    expect(path.relative(path.dirname(TEMPLATE_FILE), resolved)).not.toMatch(
      /^\.\./,
    );
    expect(fs.existsSync(path.join(resolved, 'package.json'))).toBe(true);
  });
});
