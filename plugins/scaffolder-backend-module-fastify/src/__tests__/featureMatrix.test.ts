/*
 * The feature matrix: the template rendered through the real scaffolder engine
 * (the dry-run API: fetch:template, fastify:features:apply and the local
 * publish/register steps in dry-run mode) for every valid combination of
 * features; each result is checked against features.json, then installed
 * (`npm install`, one shared npm cache), built, linted and tested, sequentially.
 * The all-features project is also tested against the real PostgreSQL and Redis, and
 * runs its Redis outage test.
 *
 * Environment:
 *   FASTIFY_MATRIX=render-only          only render and check the files (fast)
 *   FASTIFY_MATRIX_DATABASE_URL=<url>   PostgreSQL for the extra run (default postgres://postgres@127.0.0.1:5432/test)
 *   FASTIFY_MATRIX_REDIS_URL=<url>      Redis for the extra run (default redis://127.0.0.1:6379)
 *   FASTIFY_MATRIX_NPM_CACHE=<dir>      npm cache (default: npm's own, shared by all combinations)
 *   FASTIFY_MATRIX_KEEP=1               keep the rendered projects (their folder is logged)
 */
import fs from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { startPortalBackend } from '../__testUtils__/backend';
import { makeTempDir } from '../__testUtils__/fixtures';
import { childEnv, runIn } from '../__testUtils__/projects';
import {
  dryRunDirectoryContents,
  SKELETON_DIR,
} from '../__testUtils__/templateSources';

const RENDER_ONLY = process.env.FASTIFY_MATRIX === 'render-only';
const DATABASE_URL =
  process.env.FASTIFY_MATRIX_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL =
  process.env.FASTIFY_MATRIX_REDIS_URL ?? 'redis://127.0.0.1:6379';

jest.setTimeout(RENDER_ONLY ? 120_000 : 20 * 60_000);

type Combination = {
  database: 'postgres' | 'none';
  events: 'redis-streams' | 'none';
  auth: 'jwt' | 'none';
};
const COMBINATIONS: Combination[] = [];
for (const database of ['postgres', 'none'] as const) {
  for (const events of database === 'postgres'
    ? (['redis-streams', 'none'] as const)
    : (['none'] as const)) {
    for (const auth of ['jwt', 'none'] as const)
      COMBINATIONS.push({ database, events, auth });
  }
}
const label = (c: Combination) =>
  `database=${c.database} events=${c.events} auth=${c.auth}`;
const enabledFeatures = (c: Combination) =>
  new Set(
    [
      c.database !== 'none' && 'database',
      c.events !== 'none' && 'events',
      c.auth !== 'none' && 'auth',
    ].filter(Boolean) as string[],
  );

const manifest: Record<
  string,
  {
    files: string[];
    dependencies: string[];
    devDependencies: string[];
    scripts: string[];
  }
> = JSON.parse(
  fs.readFileSync(path.join(SKELETON_DIR, 'features.json'), 'utf8'),
);

const timings: string[] = [];
const run = (
  cwd: string,
  what: string,
  command: string,
  args: string[],
  env = childEnv(),
) => runIn(timings, cwd, what, command, args, env);

function listFiles(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap(d => {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.name === 'node_modules') return [];
      return d.isDirectory() ? listFiles(dir, r) : [r];
    });
}

describe('feature matrix', () => {
  let portal: Awaited<ReturnType<typeof startPortalBackend>>;
  let request: Awaited<ReturnType<typeof dryRunDirectoryContents>>;
  const workDir = makeTempDir('fastify-matrix-');
  const suiteStarted = Date.now();

  beforeAll(async () => {
    portal = await startPortalBackend({
      scaffolder: {
        fastify: { localRepositoryRoot: path.join(workDir, 'local-git') },
      },
    });
    request = await dryRunDirectoryContents();
  });

  afterAll(async () => {
    await portal?.backend.stop();
    // eslint-disable-next-line no-console
    console.log(
      `feature matrix in ${((Date.now() - suiteStarted) / 1000).toFixed(
        0,
      )}s (${workDir}):\n${timings.join('\n')}`,
    );
    if (!process.env.FASTIFY_MATRIX_KEEP)
      fs.rmSync(workDir, { recursive: true, force: true });
  });

  it.each(COMBINATIONS.map(c => [label(c), c] as const))(
    '%s',
    async (name, combination) => {
      const started = Date.now();
      const values = {
        name: 'orders-api',
        description: `Matrix ${name}`,
        owner: 'group:default/team-a',
        lifecycle: 'experimental',
        port: 8080,
        publishTarget: 'local',
        ...combination,
      };
      const res = await portal.api('POST', '/api/scaffolder/v2/dry-run', {
        template: request.template,
        values,
        secrets: {},
        directoryContents: request.directoryContents,
      });
      const failedSteps = (res.body.steps ?? []).filter(
        (s: any) => s.status === 'failed',
      );
      expect({
        status: res.status,
        failedSteps,
        log:
          res.status === 200 && !failedSteps.length
            ? []
            : res.body.log?.map((l: any) => l.body.message) ?? res.body,
      }).toEqual({ status: 200, failedSteps: [], log: [] });

      const dir = path.join(
        workDir,
        `${combination.database}-${combination.events}-${combination.auth}`,
      );
      for (const file of res.body.directoryContents) {
        const target = path.join(dir, file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, Buffer.from(file.base64Content, 'base64'));
        if (file.executable) fs.chmodSync(target, 0o755);
      }
      timings.push(
        `${path.basename(dir)}: render ${(
          (Date.now() - started) /
          1000
        ).toFixed(1)}s`,
      );

      // the scaffolder's outputs for the local publisher
      expect(res.body.output.links.map((l: any) => l.title)).toEqual([
        'Repository',
        'Open in catalog',
        'Health',
      ]);
      expect(res.body.output.links[1].entityRef).toBe(
        'component:default/orders-api',
      );

      // the files: exactly what the contract says
      const files = listFiles(dir);
      const enabled = enabledFeatures(combination);
      const pkg = JSON.parse(
        fs.readFileSync(path.join(dir, 'package.json'), 'utf8'),
      );
      expect(pkg.name).toBe('orders-api');
      expect(files).not.toContain('features.json');
      const deps = { ...pkg.dependencies, ...pkg.devDependencies };
      const scripts = pkg.scripts ?? {};
      const problems = Object.entries(manifest).flatMap(([feature, def]) => {
        const matching = files.filter(f =>
          def.files.some(
            g =>
              minimatch(f, g, { dot: true }) ||
              minimatch(f, `${g}/**`, { dot: true }),
          ),
        );
        const depNames = def.dependencies.concat(def.devDependencies);
        if (enabled.has(feature)) {
          return [
            ...(def.files.length && !matching.length
              ? [`${feature}: files ${def.files.join(', ')} missing`]
              : []),
            ...depNames
              .filter(d => !(d in deps))
              .map(d => `${feature}: dependency ${d} missing`),
            ...def.scripts
              .filter(sc => !(sc in scripts))
              .map(sc => `${feature}: script ${sc} missing`),
          ];
        }
        return [
          ...matching.map(f => `${feature} is off but ${f} remains`),
          ...depNames
            .filter(d => d in deps)
            .map(d => `${feature} is off but dependency ${d} remains`),
          ...def.scripts
            .filter(sc => sc in scripts)
            .map(sc => `${feature} is off but script ${sc} remains`),
        ];
      });
      expect(problems).toEqual([]);
      const leftovers = files.filter(f => {
        const text = fs.readFileSync(path.join(dir, f), 'utf8');
        return (
          text.includes('#region feature:') ||
          text.includes('#endregion feature:') ||
          (!f.startsWith('.github/workflows/') &&
            /\$\{\{\s*values\./.test(text))
        );
      });
      expect(leftovers).toEqual([]);

      if (RENDER_ONLY) return;
      // The skeleton ships no lockfile (a generated project writes its own on first install).
      await run(dir, 'npm install', 'npm', [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ]);
      await run(dir, 'npm run build', 'npm', ['run', 'build']);
      await run(dir, 'npm run lint', 'npm', ['run', 'lint']);
      await run(dir, 'npm test (PGlite)', 'npm', ['test']);
      if (
        combination.database === 'postgres' &&
        combination.events !== 'none' &&
        combination.auth !== 'none'
      ) {
        // Everything on: once more against the real PostgreSQL and Redis, then the Redis outage test.
        await run(
          dir,
          'npm test (PostgreSQL, Redis)',
          'npm',
          ['test'],
          childEnv({ DATABASE_URL, REDIS_URL }),
        );
        await run(
          dir,
          'npm run test:outage',
          'npm',
          ['run', 'test:outage'],
          childEnv({ DATABASE_URL }),
        );
      }
    },
  );
});
