import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import { DATABASE_RETRY_AFTER_S, databaseFailure } from '../src/db/errors.ts';
import { type TestApp, createTestApp } from './helpers.ts';

/** The real error a query raises on the test database (PGlite, or PostgreSQL with DATABASE_URL). */
async function errorOf(t: TestApp, query: string | RawBuilder<unknown>): Promise<unknown> {
  try {
    await (typeof query === 'string' ? sql.raw(query) : query).execute(t.app.db);
  } catch (error) {
    return error;
  }
  throw new Error(`${typeof query === 'string' ? query : query.compile(t.app.db).sql} did not fail`);
}

describe('database errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('maps data exceptions (22) to 400 and constraint violations (23) to 409', async () => {
    expect(databaseFailure(await errorOf(t, 'select 1/0'))).toMatchObject({ status: 400 });
    // NUL in a text parameter: "invalid byte sequence for encoding UTF8: 0x00" (22021)
    expect(databaseFailure(await errorOf(t, sql`select ${'a\u0000'}::text`))).toMatchObject({ status: 400 });
    await sql.raw('create temporary table uq (k int primary key)').execute(t.app.db);
    expect(databaseFailure(await errorOf(t, 'insert into uq values (1), (1)'))).toMatchObject({
      status: 409,
    });
  });

  it('maps a cancelled statement (57014) to 503 with Retry-After', async () => {
    const error = await errorOf(
      t,
      "do $$ begin raise exception 'cancelled' using errcode = 'query_canceled'; end $$",
    );
    expect(databaseFailure(error)).toEqual({
      status: 503,
      detail: expect.any(String),
      retryAfterS: DATABASE_RETRY_AFTER_S,
    });
  });

  it('maps an unreachable server (a real refused connection) to 503', async () => {
    // A port that was just free: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => {
          resolve(typeof address === 'object' && address ? address.port : 0);
        });
      });
    });
    const client = new pg.Client({ host: '127.0.0.1', port, connectionTimeoutMillis: 2_000 });
    const error = await client.connect().then(
      () => new Error('connected'),
      (failure: unknown) => failure,
    );
    expect(databaseFailure(error)).toMatchObject({ status: 503 });
    expect(databaseFailure(new Error('timeout exceeded when trying to connect'))).toMatchObject({
      status: 503,
    });
    expect(databaseFailure(new Error('Query read timeout'))).toMatchObject({ status: 503 });
  });

  it('leaves other errors alone (500)', async () => {
    expect(databaseFailure(new Error('boom'))).toBeUndefined();
    expect(databaseFailure(await errorOf(t, 'select * from no_such_table'))).toBeUndefined();
    expect(databaseFailure(null)).toBeUndefined();
  });

  it('answers a route that hits a data exception with 400 problem+json without the driver message', async () => {
    const app = await createTestApp({ NODE_ENV: 'production' }, (app) => {
      app.get('/test/divide', async () => {
        await sql`select 1/0`.execute(app.db);
        return {};
      });
    });
    try {
      const response = await app.app.inject({ url: '/test/divide' });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).not.toMatch(/division by zero/);
    } finally {
      await app.close();
    }
  });
});
