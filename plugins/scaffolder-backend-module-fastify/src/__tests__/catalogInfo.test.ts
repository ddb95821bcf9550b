/*
 * The skeleton's catalog-info.yaml as the template renders it (the scaffolder's
 * dry run of the template's own fetch:template step, with its own values
 * mapping), checked by the catalog's entity validation (POST
 * /api/catalog/validate-entity): with and without a system, and with
 * descriptions that would break unquoted YAML.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { startPortalBackend } from '../__testUtils__/backend';
import { makeTempDir } from '../__testUtils__/fixtures';
import { loadTemplate, SKELETON_DIR } from '../__testUtils__/templateSources';

jest.setTimeout(120_000);

const base = {
  name: 'orders-api',
  description: 'Takes orders',
  owner: 'group:default/team-a',
  lifecycle: 'experimental',
  database: 'postgres',
  events: 'none',
  auth: 'jwt',
  port: 8081,
  publishTarget: 'local',
};

describe('catalog-info.yaml rendered by the template', () => {
  let portal: Awaited<ReturnType<typeof startPortalBackend>>;

  beforeAll(async () => {
    portal = await startPortalBackend({
      scaffolder: {
        fastify: { localRepositoryRoot: path.join(makeTempDir(), 'local-git') },
      },
    });
  });

  afterAll(async () => {
    await portal?.backend.stop();
  });

  /** Renders only catalog-info.yaml, through the template's fetch:template step as written. */
  async function render(
    values: Record<string, unknown>,
  ): Promise<{ text: string; entity: any }> {
    const template = loadTemplate();
    const fetchStep = template.spec.steps.find(
      (s: any) => s.action === 'fetch:template',
    );
    template.spec.steps = [
      { ...fetchStep, input: { ...fetchStep.input, url: './skeleton' } },
    ];
    template.spec.output = {};
    const res = await portal.api('POST', '/api/scaffolder/v2/dry-run', {
      template,
      values,
      secrets: {},
      directoryContents: [
        {
          path: 'skeleton/catalog-info.yaml',
          base64Content: fs
            .readFileSync(path.join(SKELETON_DIR, 'catalog-info.yaml'))
            .toString('base64'),
        },
      ],
    });
    expect(res.status).toBe(200);
    const file = res.body.directoryContents.find(
      (f: any) => f.path === 'catalog-info.yaml',
    );
    const text = Buffer.from(file.base64Content, 'base64').toString('utf8');
    const docs = parseAllDocuments(text);
    expect(docs.flatMap(d => d.errors.map(e => e.message))).toEqual([]);
    // The Component, then the API it provides (definition: the repository's openapi.json).
    expect(docs).toHaveLength(2);
    const api = docs[1].toJS();
    expect(api).toMatchObject({
      kind: 'API',
      metadata: { name: values.name },
      spec: { type: 'openapi', definition: { $text: './openapi.json' } },
    });
    return { text, entity: docs[0].toJS() };
  }

  async function validate(entity: unknown) {
    return portal.api('POST', '/api/catalog/validate-entity', {
      entity,
      location: 'url:https://example.com/orders-api/catalog-info.yaml',
    });
  }

  it('omits spec.system when no system is chosen, and the catalog accepts it', async () => {
    for (const values of [base, { ...base, system: '' }]) {
      const { text, entity } = await render(values);
      expect(text).not.toMatch(/system/);
      expect(text).toMatch(
        /\n {2}owner: "group:default\/team-a"\n(?: {2}#.*\n)? {2}providesApis:/,
      );
      expect(entity.spec).toEqual({
        type: 'service',
        lifecycle: 'experimental',
        owner: 'group:default/team-a',
        providesApis: ['orders-api'],
      });
      expect(entity.metadata).toMatchObject({
        name: 'orders-api',
        description: 'Takes orders',
        annotations: {
          'service-health.io/base-url': 'http://localhost:8081',
          'service-health.io/otel-service-name': 'orders-api',
          'service-health.io/prometheus-selector': 'job="orders-api"',
        },
        links: [
          {
            url: 'http://localhost:8081/docs',
            title: 'API docs (local)',
            icon: 'docs',
          },
          {
            url: 'http://localhost:8081/metrics',
            title: 'Metrics (local)',
            icon: 'dashboard',
          },
        ],
      });
      const res = await validate(entity);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: '',
      });
    }
  });

  it('renders the owner and system refs as given, and the catalog accepts them', async () => {
    const { text, entity } = await render({
      ...base,
      system: 'system:default/shop',
    });
    expect(entity.spec).toEqual({
      type: 'service',
      lifecycle: 'experimental',
      owner: 'group:default/team-a',
      system: 'system:default/shop',
      providesApis: ['orders-api'],
    });
    expect((await validate(entity)).status).toBe(200);
    expect(text).toMatch(
      /\n {2}owner: "group:default\/team-a"\n {2}system: "system:default\/shop"\n(?: {2}#.*\n)? {2}providesApis:/,
    );
  });

  it('keeps descriptions that are not plain YAML scalars intact', async () => {
    const description = `Orders: "the" API # not a comment, 'quoted' & {braces} - 100%`;
    const { entity } = await render({ ...base, description });
    expect(entity.metadata.description).toBe(description);
    expect((await validate(entity)).status).toBe(200);
  });

  it('(the check is meaningful) the catalog rejects the empty system line the template used to render', async () => {
    const entity = parse(
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orders-api\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/team-a\n  system: \n',
    );
    expect(entity.spec.system).toBeNull();
    expect((await validate(entity)).status).toBe(400);
  });
});
