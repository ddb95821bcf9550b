import fs from 'node:fs';
import path from 'node:path';
import { applyFeatures } from './applyFeatures';
import { resolveFeatureChoices, parseFeatureManifest } from './manifest';
import {
  FIXTURE_MANIFEST,
  fixtureSkeleton,
  listTree,
  makeTempDir,
  writeTree,
} from '../__testUtils__/fixtures';

function project(overrides: Record<string, string> = {}) {
  const dir = makeTempDir();
  writeTree(dir, { ...fixtureSkeleton(), ...overrides });
  return dir;
}
const read = (dir: string, rel: string) =>
  fs.readFileSync(path.join(dir, rel), 'utf8');
const json = (dir: string, rel: string) => JSON.parse(read(dir, rel));

describe('applyFeatures', () => {
  it('keeps everything when all features are chosen, removing only markers and the manifest', async () => {
    const dir = project();
    const result = await applyFeatures({
      dir,
      choices: { database: 'postgres', events: 'redis-streams', auth: true },
    });
    expect(result.disabled).toEqual([]);
    expect(result.deletedFiles).toEqual(['features.json']);
    expect(listTree(dir)).toEqual([
      '.env.example',
      'README.md',
      'migrations/001.sql',
      'package-lock.json',
      'package.json',
      'src/app.ts',
      'src/auth.ts',
      'src/db/index.ts',
      'src/events/relay.ts',
    ]);
    expect(read(dir, 'src/app.ts')).not.toContain('#region');
    expect(read(dir, 'src/app.ts')).toContain(
      "import { relay } from './events/relay.js';",
    );
    expect(json(dir, 'package.json').dependencies).toHaveProperty('ioredis');
  });

  it('removes files, dependencies, scripts, regions and lockfile entries of features not chosen', async () => {
    const dir = project();
    const result = await applyFeatures({
      dir,
      choices: { database: 'none', events: 'none', auth: 'none' },
    });
    expect(result.disabled).toEqual(['auth', 'database', 'events']);
    expect(listTree(dir)).toEqual([
      '.env.example',
      'README.md',
      'package-lock.json',
      'package.json',
      'src/app.ts',
    ]);
    expect(fs.existsSync(path.join(dir, 'src/db'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'migrations'))).toBe(false);
    expect(read(dir, 'src/app.ts')).toBe(
      "import fastify from 'fastify';\nexport const app = fastify();\n",
    );
    expect(read(dir, 'README.md')).toBe('# svc\n');
    expect(read(dir, '.env.example')).toBe('PORT=8080\n');
    const pkg = json(dir, 'package.json');
    expect(pkg.dependencies).toEqual({ fastify: '^5.0.0' });
    expect(pkg.devDependencies).toEqual({ typescript: '^5.0.0' });
    expect(pkg.scripts).toEqual({ build: 'tsc' });
    const lock = json(dir, 'package-lock.json');
    expect(Object.keys(lock.packages).sort()).toEqual([
      '',
      'node_modules/fastify',
      'node_modules/shared',
      'node_modules/typescript',
    ]);
    expect(result.removedScripts).toEqual(['migrate']);
    expect(result.warnings).toEqual([]);
  });

  it('keeps the database without events', async () => {
    const dir = project();
    await applyFeatures({
      dir,
      choices: { database: 'postgres', events: 'none', auth: 'jwt' },
    });
    expect(read(dir, 'src/app.ts')).toContain(
      "import { db } from './db/index.js';",
    );
    expect(read(dir, 'src/app.ts')).not.toContain('relay');
    expect(fs.existsSync(path.join(dir, 'src/events'))).toBe(false);
    expect(Object.keys(json(dir, 'package-lock.json').packages)).not.toContain(
      'node_modules/redis-only',
    );
    expect(Object.keys(json(dir, 'package-lock.json').packages)).toContain(
      'node_modules/shared',
    );
  });

  it('rejects a chosen feature whose requirement is not chosen, without touching anything', async () => {
    const dir = project();
    const before = listTree(dir);
    await expect(
      applyFeatures({
        dir,
        choices: { database: 'none', events: 'redis-streams', auth: 'none' },
      }),
    ).rejects.toThrow(
      "Feature 'events' requires 'database', which is not chosen",
    );
    expect(listTree(dir)).toEqual(before);
  });

  it('rejects unknown and missing features', async () => {
    const dir = project();
    await expect(
      applyFeatures({
        dir,
        choices: { database: true, events: false, auth: false, cache: true },
      }),
    ).rejects.toThrow(
      "Unknown feature 'cache'; this skeleton has: database, events, auth",
    );
    await expect(
      applyFeatures({ dir, choices: { database: true } }),
    ).rejects.toThrow("No choice given for features 'events', 'auth'");
  });

  it('reports a missing or broken manifest', async () => {
    const dir = project();
    await expect(
      applyFeatures({ dir, manifestPath: 'nope.json', choices: {} }),
    ).rejects.toThrow(
      "Feature manifest 'nope.json' not found in the workspace",
    );
    fs.writeFileSync(path.join(dir, 'features.json'), '{');
    await expect(applyFeatures({ dir, choices: {} })).rejects.toThrow(
      "Feature manifest 'features.json' is not valid JSON",
    );
    await expect(
      applyFeatures({ dir, manifestPath: '../x.json', choices: {} }),
    ).rejects.toThrow('must be a relative path inside the project');
  });

  it('fails on unbalanced markers before changing any file', async () => {
    const dir = project({
      'src/broken.ts': '// #region feature:auth\nconst x = 1;\n',
    });
    const before = listTree(dir);
    await expect(
      applyFeatures({
        dir,
        choices: { database: false, events: false, auth: false },
      }),
    ).rejects.toThrow(
      "src/broken.ts:1: '#region feature:auth' is never closed",
    );
    expect(listTree(dir)).toEqual(before);
    expect(read(dir, 'package.json')).toContain('kysely');
  });

  it('skips binary files and node_modules, keeps file modes', async () => {
    const dir = project({
      'node_modules/x/index.js': '// #region feature:bogus\n',
    });
    fs.writeFileSync(
      path.join(dir, 'logo.png'),
      Buffer.from([0x89, 0x50, 0, 0x23, 0x72, 0x65]),
    );
    fs.writeFileSync(
      path.join(dir, 'run.sh'),
      '#!/bin/sh\n# #region feature:auth\necho auth\n# #endregion feature:auth\n',
      { mode: 0o755 },
    );
    await applyFeatures({
      dir,
      choices: { database: true, events: true, auth: false },
    });
    expect(read(dir, 'run.sh')).toBe('#!/bin/sh\n');
    expect(fs.statSync(path.join(dir, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(dir, 'logo.png'))).toBe(true);
  });

  it('warns about manifest entries that match nothing', async () => {
    const dir = project();
    fs.rmSync(path.join(dir, 'src/auth.ts'));
    const result = await applyFeatures({
      dir,
      choices: { database: true, events: true, auth: false },
    });
    expect(result.warnings).toEqual([
      "features.json: 'auth.files' entry 'src/auth.ts' matched no file",
    ]);
  });
});

describe('manifest', () => {
  it('validates the manifest shape', () => {
    expect(() => parseFeatureManifest([])).toThrow('must be a JSON object');
    expect(() => parseFeatureManifest({ Bad_Name: {} })).toThrow(
      "invalid feature name 'Bad_Name'",
    );
    expect(() => parseFeatureManifest({ a: { files: 'x' } })).toThrow(
      "'a.files' must be a list",
    );
    expect(() => parseFeatureManifest({ a: { files: ['../x'] } })).toThrow(
      'stay inside it',
    );
    expect(() => parseFeatureManifest({ a: { requires: ['b'] } })).toThrow(
      "requires unknown feature 'b'",
    );
    expect(() => parseFeatureManifest({})).toThrow('declares no features');
  });

  it('understands booleans and variant names', () => {
    const manifest = parseFeatureManifest(FIXTURE_MANIFEST);
    expect([
      ...resolveFeatureChoices(manifest, {
        database: 'postgres',
        events: 'None',
        auth: true,
      }),
    ]).toEqual(['database', 'auth']);
    expect([
      ...resolveFeatureChoices(manifest, {
        database: false,
        events: false,
        auth: 'off',
      }),
    ]).toEqual([]);
  });
});

describe('applyFeatures and openapi.json', () => {
  const document = {
    openapi: '3.1.0',
    info: { title: 'svc', version: '0.1.0' },
    components: { securitySchemes: { bearerAuth: { type: 'http' } } },
    paths: {
      '/v1/info': {
        get: {
          security: [{ bearerAuth: [] }],
          responses: { '200': {}, '401': {}, '403': {} },
        },
      },
      '/v1/items': { get: { responses: { '200': {}, '401': {} } } },
    },
  };
  const manifest = {
    database: { description: 'db', openapi: { paths: ['/v1/items'] } },
    auth: {
      description: 'auth',
      openapi: { responses: ['401', '403'], securitySchemes: ['bearerAuth'] },
    },
  };

  it('removes the paths, responses and security schemes of features not chosen', async () => {
    const dir = makeTempDir();
    writeTree(dir, {
      'features.json': JSON.stringify(manifest),
      'openapi.json': `${JSON.stringify(document, null, 2)}\n`,
    });
    const result = await applyFeatures({
      dir,
      choices: { database: 'postgres', auth: 'none' },
    });
    const pruned = JSON.parse(
      fs.readFileSync(path.join(dir, 'openapi.json'), 'utf8'),
    );
    expect(pruned).toEqual({
      openapi: '3.1.0',
      info: { title: 'svc', version: '0.1.0' },
      components: {},
      paths: {
        '/v1/info': { get: { responses: { '200': {} } } },
        '/v1/items': { get: { responses: { '200': {} } } },
      },
    });
    expect(result.editedFiles).toContain('openapi.json');
    expect(result.warnings).toEqual([]);
  });

  it('leaves the document as it is with every feature chosen', async () => {
    const dir = makeTempDir();
    const text = `${JSON.stringify(document, null, 2)}\n`;
    writeTree(dir, {
      'features.json': JSON.stringify(manifest),
      'openapi.json': text,
    });
    await applyFeatures({
      dir,
      choices: { database: 'postgres', auth: 'jwt' },
    });
    expect(fs.readFileSync(path.join(dir, 'openapi.json'), 'utf8')).toBe(text);
  });
});
