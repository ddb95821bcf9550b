/*
 * Backend replicas for the multi-replica test and the benchmark: `packages/backend` started the
 * way `backstage-cli package start` starts it (Node with the CLI's TypeScript transform), without
 * the file watcher, with production-style config on one PostgreSQL database.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, stopProcessGroup, trackProcessGroup } from './portal.mjs';

const require = createRequire(join(ROOT, 'packages/backend/package.json'));
const NODE_TRANSFORM = require.resolve(
  '@backstage/cli-node/config/nodeTransform.cjs',
);
export const ADMIN_URL =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const EXTERNAL_TOKEN = 'replica-test-external-token-0123456789';
export const OTLP_TOKEN = 'replica-test-otlp-token-0123456789';

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Creates an empty database (dropped by the returned function, with anything still connected). */
export async function createDatabase(name) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return async () => {
    const a = new pg.Client({ connectionString: ADMIN_URL });
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };
}

/** Production-style config for one replica: PostgreSQL (one database, a schema per plugin). */
export function replicaConfig({ port, database, catalogFile, serviceHealth }) {
  const db = new URL(ADMIN_URL);
  return {
    app: { baseUrl: `http://127.0.0.1:${port}` },
    backend: {
      baseUrl: `http://127.0.0.1:${port}`,
      listen: { host: '127.0.0.1', port },
      auth: {
        externalAccess: [
          {
            type: 'static',
            options: { token: EXTERNAL_TOKEN, subject: 'replica-test' },
          },
        ],
      },
      database: {
        client: 'pg',
        pluginDivisionMode: 'schema',
        connection: {
          host: db.hostname,
          port: Number(db.port || 5432),
          user: decodeURIComponent(db.username || 'postgres'),
          ...(db.password ? { password: decodeURIComponent(db.password) } : {}),
          database,
        },
      },
    },
    // The guest provider stands in for the production sign-in provider (GitHub) here.
    auth: {
      environment: 'production',
      providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
    },
    catalog: {
      rules: [
        {
          allow: [
            'Component',
            'System',
            'API',
            'Resource',
            'Location',
            'Group',
            'User',
          ],
        },
      ],
      locations: [{ type: 'file', target: catalogFile }],
    },
    serviceHealth,
  };
}

/** Starts one replica; resolves when its readiness endpoint answers 200. */
export async function startReplica({
  name,
  port,
  config,
  dir,
  timeoutMs = 300_000,
}) {
  const configFile = join(dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      NODE_TRANSFORM,
      'src/index.ts',
      '--config',
      configFile,
    ],
    {
      cwd: join(ROOT, 'packages/backend'),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info' },
    },
  );
  const untrack = trackProcessGroup(child.pid);
  const lines = [];
  let partial = '';
  const keep = chunk => {
    const text = partial + chunk;
    const parts = text.split('\n');
    partial = parts.pop();
    const at = Date.now();
    lines.push(...parts.map(line => ({ line, at })));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const replica = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    lines,
    /** JSON log records (production logs are one JSON object a line), with `seenAt`: when the line arrived. */
    records() {
      return lines.flatMap(({ line, at }) => {
        try {
          const r = JSON.parse(line);
          return r && typeof r === 'object' ? [{ ...r, seenAt: at }] : [];
        } catch {
          return [];
        }
      });
    },
    async stop() {
      untrack();
      await stopProcessGroup(child, 10_000);
    },
    kill() {
      untrack();
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}):\n${lines
          .slice(-40)
          .map(l => l.line)
          .join('\n')}`,
      );
    }
    try {
      const res = await fetch(`${replica.url}/.backstage/health/v1/readiness`);
      if (res.ok) return replica;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await replica.stop();
      throw new Error(
        `${name} not ready after ${timeoutMs / 1000} s:\n${lines
          .slice(-40)
          .map(l => l.line)
          .join('\n')}`,
      );
    }
    await sleep(1000);
  }
}

/** Waits until `check()` returns a truthy value (returned), or fails with `what` after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}`,
      );
    await sleep(500);
  }
}
