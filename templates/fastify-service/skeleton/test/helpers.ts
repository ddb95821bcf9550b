import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { App } from '../src/app.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
// #region feature:database
import { randomBytes } from 'node:crypto';
import pg from 'pg';
// #endregion feature:database
// #region feature:auth
import { authorizeByDefault } from './auth-support.ts';
// #endregion feature:auth

export type TestApp = { app: App; close: () => Promise<void> };
// #region feature:database

/**
 * With DATABASE_URL set, every test app gets its own PostgreSQL database (created here, dropped on close), so
 * test files run in parallel against one server. Without it, every app has its own in-memory PGlite.
 */
async function isolatedDatabase(): Promise<{ url?: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl === undefined || serverUrl === '') return { drop: () => Promise.resolve() };
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
// #endregion feature:database

function redisIsolation(url: string | undefined): {
  env: Record<string, string>;
  clean: () => Promise<void>;
} {
  if (url === undefined || url === '') return { env: {}, clean: () => Promise.resolve() };
  const prefix = `test-${randomUUID()}:`;
  return {
    env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix },
    clean: async () => {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
          if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
        }
      } catch {
        // the Redis of this test may be gone on purpose
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** `extend` adds test-only routes or hooks before the app is ready. */
export async function createTestApp(
  env: Record<string, string> = {},
  extend: (app: App) => void = () => undefined,
): Promise<TestApp> {
  // #region feature:database
  const database = await isolatedDatabase();
  if (database.url !== undefined) env = { DATABASE_URL: database.url, ...env };
  // #endregion feature:database
  // With REDIS_URL set, the app uses the real Redis under its own key prefix (deleted on close).
  const redis = redisIsolation(env.REDIS_URL ?? process.env.REDIS_URL);
  env = { ...redis.env, ...env };
  // #region feature:auth
  // A test secret rather than the development one, so production-mode test apps start too.
  env = { AUTH_JWT_SECRET: 'test-only-jwt-secret-0123456789abcdef', ...env };
  // #endregion feature:auth
  const app = await buildApp(loadConfig({ NODE_ENV: 'test', ...env }));
  extend(app);
  await app.ready();
  // #region feature:auth
  await authorizeByDefault(app);
  // #endregion feature:auth
  return {
    app,
    close: async () => {
      await app.close();
      await redis.clean();
      // #region feature:database
      await database.drop();
      // #endregion feature:database
    },
  };
}
