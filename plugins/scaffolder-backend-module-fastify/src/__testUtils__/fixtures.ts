import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Writes files (path -> content) under dir. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
}

/** Lists files under dir (POSIX, sorted), skipping .git. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      if (d.name === '.git') continue;
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(path.join(abs, d.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

export function makeTempDir(prefix = 'fastify-module-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const FIXTURE_MANIFEST = {
  database: {
    description: 'PostgreSQL',
    files: ['src/db/**', 'migrations'],
    dependencies: ['kysely'],
    devDependencies: [],
    scripts: ['migrate'],
    requires: [],
  },
  events: {
    description: 'Outbox + Redis Streams',
    files: ['src/events/**'],
    dependencies: ['ioredis'],
    devDependencies: [],
    scripts: [],
    requires: ['database'],
  },
  auth: {
    description: 'JWT',
    files: ['src/auth.ts'],
    dependencies: ['jose'],
    devDependencies: ['@types/jsonwebtoken'],
    scripts: [],
    requires: [],
  },
};

/** A tiny skeleton that follows the contract (all features on). */
export function fixtureSkeleton(): Record<string, string> {
  return {
    'features.json': JSON.stringify(FIXTURE_MANIFEST, null, 2),
    'package.json': `${JSON.stringify(
      {
        name: 'svc',
        scripts: { build: 'tsc', migrate: 'node dist/migrate.js' },
        dependencies: {
          fastify: '^5.0.0',
          kysely: '^0.28.0',
          ioredis: '^5.0.0',
          jose: '^6.0.0',
        },
        devDependencies: {
          typescript: '^5.0.0',
          '@types/jsonwebtoken': '^9.0.0',
        },
      },
      null,
      2,
    )}\n`,
    'package-lock.json': `${JSON.stringify(
      {
        name: 'svc',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': {
            name: 'svc',
            dependencies: {
              fastify: '^5.0.0',
              kysely: '^0.28.0',
              ioredis: '^5.0.0',
              jose: '^6.0.0',
            },
            devDependencies: {
              typescript: '^5.0.0',
              '@types/jsonwebtoken': '^9.0.0',
            },
          },
          'node_modules/fastify': {
            version: '5.0.0',
            dependencies: { shared: '^1.0.0' },
          },
          'node_modules/shared': { version: '1.0.0' },
          'node_modules/kysely': { version: '0.28.0' },
          'node_modules/ioredis': {
            version: '5.0.0',
            dependencies: { 'redis-only': '^1.0.0', shared: '^1.0.0' },
          },
          'node_modules/redis-only': { version: '1.0.0' },
          'node_modules/jose': { version: '6.0.0' },
          'node_modules/typescript': { version: '5.0.0', dev: true },
          'node_modules/@types/jsonwebtoken': {
            version: '9.0.0',
            dev: true,
            dependencies: { '@types/node': '*' },
          },
          'node_modules/@types/node': { version: '24.0.0', dev: true },
        },
      },
      null,
      2,
    )}\n`,
    'src/app.ts': [
      "import fastify from 'fastify';",
      '// #region feature:database',
      "import { db } from './db/index.js';",
      '// #region feature:events',
      "import { relay } from './events/relay.js';",
      '// #endregion feature:events',
      '// #endregion feature:database',
      '// #region feature:auth',
      "import { auth } from './auth.js';",
      '// #endregion feature:auth',
      'export const app = fastify();',
      '',
    ].join('\n'),
    'src/db/index.ts': 'export const db = {};\n',
    'src/events/relay.ts': 'export const relay = {};\n',
    'src/auth.ts': 'export const auth = {};\n',
    'migrations/001.sql': 'create table items();\n',
    'README.md': [
      '# svc',
      '<!-- #region feature:database -->',
      'Run `npm run migrate`.',
      '<!-- #endregion feature:database -->',
      '',
    ].join('\n'),
    '.env.example': [
      'PORT=8080',
      '# #region feature:events',
      'REDIS_URL=redis://localhost:6379',
      '# #endregion feature:events',
      '',
    ].join('\n'),
  };
}

/** A team, a system and a user (jane, member of team-a) for the catalog of HTTP tests. */
export const ORG_YAML = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: { name: shop }
spec: { owner: group:default/team-a }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: jane }
spec:
  profile: { displayName: Jane Doe, email: jane@example.com }
  memberOf: [team-a]
`;
