import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { createFeaturesApplyAction } from './featuresApply';
import {
  fixtureSkeleton,
  listTree,
  makeTempDir,
  writeTree,
} from '../__testUtils__/fixtures';

describe('fastify:features:apply', () => {
  const action = createFeaturesApplyAction();

  function context(
    input: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const workspacePath = makeTempDir();
    writeTree(workspacePath, fixtureSkeleton());
    return {
      ...createMockActionContext({ input: input as any, workspacePath }),
      ...extra,
    };
  }

  it('declares schemas, examples and dry-run support', () => {
    expect(action.id).toBe('fastify:features:apply');
    expect(action.supportsDryRun).toBe(true);
    expect(action.examples?.length).toBeGreaterThan(0);
    expect(action.schema?.input).toMatchObject({
      properties: { features: { type: 'object' } },
      required: ['features'],
    });
    expect(action.schema?.output).toMatchObject({
      properties: { deletedFiles: { type: 'array' } },
    });
  });

  it('applies the choices and reports what it did', async () => {
    const ctx = context({
      features: { database: 'postgres', events: 'none', auth: 'none' },
    });
    await action.handler(ctx);
    expect(listTree(ctx.workspacePath)).not.toContain('src/events/relay.ts');
    expect(listTree(ctx.workspacePath)).not.toContain('features.json');
    expect(ctx.output).toHaveBeenCalledWith('enabled', ['database']);
    expect(ctx.output).toHaveBeenCalledWith('disabled', ['auth', 'events']);
    expect(ctx.output).toHaveBeenCalledWith('removedDependencies', [
      'ioredis (dependencies)',
      'jose (dependencies)',
      '@types/jsonwebtoken (devDependencies)',
    ]);
  });

  it('does the same in a dry run (the dry-run workspace is a throw-away copy)', async () => {
    const ctx = context(
      { features: { database: false, events: false, auth: true } },
      { isDryRun: true },
    );
    await action.handler(ctx);
    expect(fs.existsSync(path.join(ctx.workspacePath, 'src/db'))).toBe(false);
    expect(ctx.output).toHaveBeenCalledWith('enabled', ['auth']);
  });

  it('works in a sub-folder with a custom manifest path', async () => {
    const workspacePath = makeTempDir();
    const files = fixtureSkeleton();
    files['meta/features.json'] = files['features.json'];
    delete files['features.json'];
    writeTree(path.join(workspacePath, 'svc'), files);
    const ctx = createMockActionContext({
      workspacePath,
      input: {
        targetPath: 'svc',
        manifestPath: 'meta/features.json',
        features: { database: true, events: true, auth: true },
      } as any,
    });
    await action.handler(ctx);
    expect(
      fs.existsSync(path.join(workspacePath, 'svc/meta/features.json')),
    ).toBe(false);
  });

  it.each([
    [
      { features: { database: true, events: true, auth: true, cache: true } },
      "Unknown feature 'cache'",
    ],
    [
      { features: { database: 'none', events: 'redis-streams', auth: 'none' } },
      "Feature 'events' requires 'database'",
    ],
    [
      {
        features: { database: true, events: true, auth: true },
        manifestPath: 'missing.json',
      },
      "Feature manifest 'missing.json' not found",
    ],
    [
      {
        features: { database: true, events: true, auth: true },
        targetPath: '../outside',
      },
      "targetPath '../outside' must stay inside the workspace",
    ],
  ])('rejects bad input %j with a clear message', async (input, message) => {
    const ctx = context(input);
    await expect(action.handler(ctx)).rejects.toThrow(message);
    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'InputError',
    });
    expect(listTree(ctx.workspacePath)).toContain('features.json');
  });
});
