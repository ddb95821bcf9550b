import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { claim, complete, deleteExpired, fingerprint, release } from '../src/idempotency/store.ts';
import type { Item } from '../src/items/schemas.ts';
import { type TestApp, createTestApp } from './helpers.ts';

// Against the real PostgreSQL when DATABASE_URL is set (own database per app), PGlite otherwise.
describe('Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_MAX: '10000' });
  });
  afterAll(() => t.close());

  const post = (key: string | undefined, payload: object) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/items',
      headers: key === undefined ? {} : { 'idempotency-key': key },
      payload,
    });
  const countSku = async (sku: string) =>
    Number(
      (
        await t.app.db
          .selectFrom('items')
          .select(sql<string>`count(*)`.as('n'))
          .where('sku', '=', sku)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('replays the stored response for a retry with the same key and body', async () => {
    const body = { sku: 'IDEM-1', name: 'Once', priceCents: 100 };
    const first = await post('key-1', body);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const retry = await post('key-1', { priceCents: 100, name: 'Once', sku: 'IDEM-1' }); // same body, other key order
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(retry.headers['content-type']).toMatch(/^application\/json/);
    expect(await countSku('IDEM-1')).toBe(1);
  });

  it('replays a stored error too (it is the answer to that request)', async () => {
    await post(undefined, { sku: 'IDEM-DUP', name: 'Taken', priceCents: 1 });
    const first = await post('key-dup', { sku: 'IDEM-DUP', name: 'Again', priceCents: 1 });
    expect(first.statusCode).toBe(409);
    const retry = await post('key-dup', { sku: 'IDEM-DUP', name: 'Again', priceCents: 1 });
    expect(retry.statusCode).toBe(409);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('replays PATCH and DELETE responses, changing the item once', async () => {
    const item = (await post(undefined, { sku: 'IDEM-PD', name: 'A', priceCents: 1 })).json<Item>();
    const patch = () =>
      t.app.inject({
        method: 'PATCH',
        url: `/v1/items/${item.id}`,
        headers: { 'idempotency-key': 'key-patch', 'if-match': '"1"' },
        payload: { name: 'B' },
      });
    const patched = await patch();
    expect(patched.statusCode).toBe(200);
    const replayed = await patch();
    expect(replayed.statusCode).toBe(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toBe(patched.body);
    expect(replayed.headers.etag).toBe('"2"');
    expect(replayed.headers['content-type']).toBe(patched.headers['content-type']);

    const remove = () =>
      t.app.inject({
        method: 'DELETE',
        url: `/v1/items/${item.id}`,
        headers: { 'idempotency-key': 'key-delete', 'if-match': '"2"' },
      });
    expect((await remove()).statusCode).toBe(204);
    const again = await remove();
    expect(again.statusCode).toBe(204);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe('');
    expect(await countSku('IDEM-PD')).toBe(0);
  });

  // The command and the completion of its key commit in one transaction. Both directions are forced to fail
  // with triggers: no item without its stored response, no stored response without its item.
  const keyRecord = (key: string) =>
    t.app.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
  const failingFunction = sql`create or replace function idem_test_fail() returns trigger language plpgsql
    as $$ begin raise exception 'simulated failure'; end $$`;

  it('creates no item when storing the response fails (the key can be retried)', async () => {
    const body = { sku: 'IDEM-ATOMIC', name: 'All or nothing', priceCents: 1 };
    await failingFunction.execute(t.app.db);
    await sql`create trigger idem_test_fail_complete before update on idempotency_keys for each row
      when (new.key = 'key-atomic' and new.status_code is not null) execute function idem_test_fail()`.execute(
      t.app.db,
    );
    try {
      expect((await post('key-atomic', body)).statusCode).toBe(500);
      expect(await countSku('IDEM-ATOMIC')).toBe(0);
      expect(await keyRecord('key-atomic')).toBeUndefined(); // released: a 5xx can be retried
    } finally {
      await sql`drop trigger idem_test_fail_complete on idempotency_keys`.execute(t.app.db);
    }
    const retry = await post('key-atomic', body);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await countSku('IDEM-ATOMIC')).toBe(1);
    expect((await keyRecord('key-atomic'))?.response_body).toBe(retry.body);
  });

  it('keeps no stored response when the command fails to commit after storing it', async () => {
    const body = { sku: 'IDEM-COMMIT', name: 'Fails at commit', priceCents: 1 };
    await failingFunction.execute(t.app.db);
    // A deferred constraint trigger fails at COMMIT, after the response was written in the transaction: as
    // close as a test gets to the process dying between the command and its commit.
    await sql`create constraint trigger idem_test_fail_commit after insert on items
      deferrable initially deferred for each row
      when (new.sku = 'IDEM-COMMIT') execute function idem_test_fail()`.execute(t.app.db);
    try {
      const failed = await post('key-commit', body);
      expect(failed.statusCode).toBe(500);
      expect(failed.headers.location).toBeUndefined();
      expect(await countSku('IDEM-COMMIT')).toBe(0);
      expect(await keyRecord('key-commit')).toBeUndefined();
    } finally {
      await sql`drop trigger idem_test_fail_commit on items`.execute(t.app.db);
    }
    const retry = await post('key-commit', body);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await countSku('IDEM-COMMIT')).toBe(1);
  });

  it('completes a key once: a second completion or one after a release reports false', async () => {
    const db = t.app.db;
    const ref = { principal: 'p', key: 'k-once' };
    const request = { method: 'POST', path: '/x', fingerprint: 'f' };
    const response = (body: string) => ({ statusCode: 201, headers: {}, body });
    await claim(db, ref, request, { ttlS: 3600, lockTimeoutMs: 60_000 });
    expect(await complete(db, ref, response('first'))).toBe(true);
    expect(await complete(db, ref, response('second'))).toBe(false);
    expect((await keyRecord('k-once'))?.response_body).toBe('first');
    await release(db, ref); // only in-flight records are released
    expect(await keyRecord('k-once')).toBeDefined();

    const gone = { principal: 'p', key: 'k-released' };
    await claim(db, gone, request, { ttlS: 3600, lockTimeoutMs: 60_000 });
    await release(db, gone);
    expect(await complete(db, gone, response('late'))).toBe(false);
  });

  // A real race needs a second connection, which PGlite (one in-process connection) does not have: this case is
  // defined on PostgreSQL only (CI runs the suite on both).
  if (process.env.DATABASE_URL !== undefined) {
    it('rolls the command back when another attempt completed the key first', async () => {
      const body = { sku: 'IDEM-RACE', name: 'Too late', priceCents: 1 };
      const other = new pg.Client({ connectionString: t.app.config.DATABASE_URL });
      await other.connect();
      try {
        // Holds inserts into items: the request below claims its key, then waits in its command.
        await other.query('begin');
        await other.query('lock table items in exclusive mode');
        const pending = post('key-race', body).then((response) => response);
        for (
          let i = 0;
          (await other.query(`select 1 from idempotency_keys where key = 'key-race'`)).rowCount === 0;
          i++
        ) {
          if (i > 200) throw new Error('the request did not claim its key');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        // Meanwhile another attempt with the key (one that took over a stale lock) completes it.
        await other.query(
          `update idempotency_keys set status_code = 201, response_headers = '{}', response_body = 'winner'
           where key = 'key-race'`,
        );
        await other.query('commit');
        const late = await pending;
        expect(late.statusCode).toBe(409);
        expect(await countSku('IDEM-RACE')).toBe(0);
        const retry = await post('key-race', body);
        expect(retry.headers['idempotent-replayed']).toBe('true');
        expect(retry.body).toBe('winner');
      } finally {
        await other.end();
      }
    });
  }

  it('answers 422 when the key is reused with a different body', async () => {
    expect((await post('key-2', { sku: 'IDEM-2', name: 'A', priceCents: 1 })).statusCode).toBe(201);
    const reused = await post('key-2', { sku: 'IDEM-2b', name: 'B', priceCents: 2 });
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await countSku('IDEM-2b')).toBe(0);
  });

  it('answers 409 while the first request with the key is still in flight', async () => {
    const body = { sku: 'IDEM-3', name: 'Slow', priceCents: 1 };
    // An in-flight record, as the first request leaves it until its response is stored.
    // Keys are scoped to the caller: '' without auth, the token's subject with it.
    for (const principal of ['', 'test-user']) {
      await claim(
        t.app.db,
        { principal, key: 'key-3' },
        { method: 'POST', path: '/v1/items', fingerprint: fingerprint('POST', '/v1/items', body) },
        { ttlS: 3600, lockTimeoutMs: 60_000 },
      );
    }
    const duplicate = await post('key-3', body);
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.headers['retry-after']).toBe('1');
    expect(await countSku('IDEM-3')).toBe(0);
  });

  it('rejects a malformed key with 400', async () => {
    expect((await post('x'.repeat(300), { sku: 'IDEM-4', name: 'A', priceCents: 1 })).statusCode).toBe(400);
  });

  it('creates exactly one row under 50 concurrent retries of one request', async () => {
    const body = { sku: 'IDEM-CONCURRENT', name: 'Raced', priceCents: 500 };
    const responses = await Promise.all(Array.from({ length: 50 }, () => post('key-concurrent', body)));
    const statuses = responses.map((response) => response.statusCode);
    const created = responses.filter(
      (r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined,
    );
    expect(created).toHaveLength(1);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    for (const response of responses.filter((r) => r.statusCode === 201)) {
      expect(response.json<Item>().id).toBe(created[0]?.json<Item>().id);
    }
    expect(await countSku('IDEM-CONCURRENT')).toBe(1);
    // Once the first has finished, every retry is a replay.
    const later = await post('key-concurrent', body);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(await countSku('IDEM-CONCURRENT')).toBe(1);
  });

  it('takes over a key whose owner never finished, and forgets expired keys', async () => {
    const db = t.app.db;
    const ref = { principal: 'p', key: 'k-stale' };
    const request = { method: 'POST', path: '/x', fingerprint: 'f' };
    expect((await claim(db, ref, request, { ttlS: 3600, lockTimeoutMs: 60_000 })).outcome).toBe('new');
    expect((await claim(db, ref, request, { ttlS: 3600, lockTimeoutMs: 60_000 })).outcome).toBe('in_flight');
    await db
      .updateTable('idempotency_keys')
      .set({ locked_at: sql<Date>`now() - interval '2 minutes'` })
      .where('key', '=', 'k-stale')
      .execute();
    expect((await claim(db, ref, request, { ttlS: 3600, lockTimeoutMs: 60_000 })).outcome).toBe('new');

    await db
      .updateTable('idempotency_keys')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('key', '=', 'k-stale')
      .execute();
    expect(await deleteExpired(db)).toBeGreaterThanOrEqual(1);
    expect(
      await db.selectFrom('idempotency_keys').select('key').where('key', '=', 'k-stale').executeTakeFirst(),
    ).toBeUndefined();
  });

  it('counts outcomes in idempotency_requests_total', async () => {
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^idempotency_requests_total\{outcome="replayed"\} [1-9]/m);
    expect(metrics).toMatch(/^idempotency_requests_total\{outcome="mismatch"\} [1-9]/m);
    expect(metrics).toMatch(/^idempotency_requests_total\{outcome="in_flight"\} [1-9]/m);
  });
});
