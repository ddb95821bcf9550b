import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { TestApiRegistry } from '@backstage/test-utils';
import { uniqueEntityNameValidation } from './UniqueEntityNamePicker';
import { publishTargetValidation } from './PublishTargetPicker';
import { formatRepoUrl, githubRepoValidation } from './GithubRepoPicker';

function collect() {
  const errors: string[] = [];
  return {
    errors,
    validation: { addError: (m: string) => errors.push(m) } as any,
  };
}

const pattern = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

describe('UniqueEntityNamePicker validation', () => {
  const catalogApi = {
    getEntitiesByRefs: jest.fn(
      async ({ entityRefs }: { entityRefs: string[] }) => ({
        items: entityRefs.map(ref =>
          ref === 'component:default/service-health'
            ? {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: { name: 'service-health' },
                spec: { owner: 'group:default/platform' },
              }
            : undefined,
        ),
      }),
    ),
  };
  const apiHolder = TestApiRegistry.from([catalogApiRef, catalogApi]);
  const run = async (value: string, schema: object = { pattern }) => {
    const { errors, validation } = collect();
    await uniqueEntityNameValidation(value, validation, {
      apiHolder,
      formData: {},
      schema: schema as any,
    });
    return errors;
  };

  it('refuses a name the catalog has, saying who owns it', async () => {
    expect(await run('service-health')).toEqual([
      'The catalog already has a component named service-health, owned by group:default/platform. Choose another name.',
    ]);
    expect(await run('orders-api')).toEqual([]);
  });

  it("leaves a name that fails the template's pattern to the pattern's own message", async () => {
    expect(await run('Orders API')).toEqual([]);
    expect(catalogApi.getEntitiesByRefs).not.toHaveBeenCalledWith(
      expect.objectContaining({ entityRefs: ['component:default/Orders API'] }),
    );
  });

  it('refuses a name the catalog cannot take when the template has no pattern', async () => {
    expect(await run('Orders API', {})).toEqual([
      'Use at most 63 letters, digits, dashes, dots or underscores, starting and ending with a letter or digit.',
    ]);
  });
});

describe('PublishTargetPicker validation', () => {
  const responses: Record<string, unknown> = {
    '/fastify/publish-targets': {
      items: [
        { id: 'local', available: true },
        { id: 'github', available: false, reason: 'No token for github.com.' },
      ],
    },
    '/fastify/local-repositories': {
      items: [{ name: 'taken', defaultBranch: 'main' }],
    },
  };
  const apiHolder = TestApiRegistry.from(
    [
      discoveryApiRef,
      { getBaseUrl: async () => 'http://backend/api/scaffolder' },
    ],
    [
      fetchApiRef,
      {
        fetch: async (url: any) =>
          new Response(
            JSON.stringify(
              responses[url.replace('http://backend/api/scaffolder', '')],
            ),
            { status: 200 },
          ),
      },
    ],
  );
  const run = async (value: string, name: string) => {
    const { errors, validation } = collect();
    await publishTargetValidation(value, validation, {
      apiHolder,
      formData: { name },
      schema: {},
    });
    return errors;
  };

  it('refuses GitHub without a token, with the reason the backend gives', async () => {
    expect(await run('github', 'orders-api')).toEqual([
      'No token for github.com.',
    ]);
  });

  it('refuses a local repository name that is taken', async () => {
    expect(await run('local', 'taken')).toEqual([
      'A local repository named taken already exists. Go back to the first step and choose another name.',
    ]);
    expect(await run('local', 'orders-api')).toEqual([]);
  });
});

describe('GithubRepoPicker validation', () => {
  const run = (value: string) => {
    const { errors, validation } = collect();
    githubRepoValidation(value, validation, {
      apiHolder: {} as any,
      formData: {},
      schema: {},
    });
    return errors;
  };

  it('accepts an owner and a name, and says what is missing otherwise', () => {
    expect(run(formatRepoUrl('github.com', 'acme', 'orders-api'))).toEqual([]);
    expect(run(formatRepoUrl('github.com', '', 'orders-api'))).toEqual([
      'Enter the owner: a GitHub user or organisation name (letters, digits and dashes).',
    ]);
    expect(run(formatRepoUrl('github.com', 'acme', 'x.git'))).toHaveLength(1);
  });

  it('asks nothing when the repository goes elsewhere', () => {
    const { errors, validation } = collect();
    githubRepoValidation(undefined as any, validation, {
      apiHolder: {} as any,
      formData: { publishTarget: 'local' },
      schema: {},
    });
    expect(errors).toEqual([]);
  });
});
