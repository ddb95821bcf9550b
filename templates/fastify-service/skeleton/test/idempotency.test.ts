import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { claim, deleteExpired, fingerprint } from '../src/idempotency/store.ts';
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
