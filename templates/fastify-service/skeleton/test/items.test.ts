import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Item, ItemPage } from '../src/items/schemas.ts';
import { isUuidV7 } from '../src/lib/uuid.ts';
import { type TestApp, createTestApp } from './helpers.ts';

describe('/v1/items', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function create(sku: string, name = `Item ${sku}`): Promise<{ item: Item; etag: string }> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku, name, priceCents: 100 },
    });
    expect(response.statusCode).toBe(201);
    return { item: response.json<Item>(), etag: String(response.headers.etag) };
  }

  function expectProblem(
    response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
    status: number,
  ) {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
  }

  describe('create and read', () => {
    it('creates an item with a UUIDv7 id, Location and ETag', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/items',
        payload: { sku: 'SKU-1', name: 'Widget', description: 'A widget', priceCents: 1250 },
      });
      expect(response.statusCode).toBe(201);
      const item = response.json<Item>();
      expect(isUuidV7(item.id)).toBe(true);
      expect(item).toMatchObject({ sku: 'SKU-1', name: 'Widget', priceCents: 1250, version: 1 });
      expect(response.headers.location).toBe(`/v1/items/${item.id}`);
      expect(response.headers.etag).toBe('"1"');

      const read = await t.app.inject({ url: `/v1/items/${item.id}` });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(item);
      expect(read.headers.etag).toBe('"1"');
    });

    it('rejects a duplicate sku with 409', async () => {
      await create('SKU-DUP');
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/items',
        payload: { sku: 'SKU-DUP', name: 'Again', priceCents: 1 },
      });
      expectProblem(response, 409);
    });

    it.each([
      ['a missing field', { sku: 'X-1', name: 'No price' }],
      ['a wrong type', { sku: 'X-2', name: 'Bad', priceCents: 'ten' }],
      ['a negative price', { sku: 'X-3', name: 'Bad', priceCents: -1 }],
      ['an unknown field', { sku: 'X-4', name: 'Bad', priceCents: 1, colour: 'red' }],
    ])('rejects %s with 400 and the list of errors', async (_case, payload) => {
      const response = await t.app.inject({ method: 'POST', url: '/v1/items', payload });
      expectProblem(response, 400);
      expect(response.json()).toMatchObject({ errors: [expect.objectContaining({ location: 'body' })] });
    });

    it('rejects malformed JSON with 400 and other media types with 415', async () => {
      const malformed = await t.app.inject({
        method: 'POST',
        url: '/v1/items',
        headers: { 'content-type': 'application/json' },
        payload: '{"sku": ',
      });
      expectProblem(malformed, 400);
      const text = await t.app.inject({
        method: 'POST',
        url: '/v1/items',
        headers: { 'content-type': 'application/xml' },
        payload: '<item/>',
      });
      expectProblem(text, 415);
    });

    it.each([
      ['a number as a string', { sku: 'C-1', name: 'Coerced', priceCents: '5' }],
      ['null for a required number', { sku: 'C-2', name: 'Coerced', priceCents: null }],
      ['a number for a string', { sku: 'C-3', name: 7, priceCents: 1 }],
      ['a boolean for a number', { sku: 'C-4', name: 'Coerced', priceCents: true }],
    ])('does not coerce body types: %s is 400', async (_case, payload) => {
      const response = await t.app.inject({ method: 'POST', url: '/v1/items', payload });
      expectProblem(response, 400);
      expect(response.json()).toMatchObject({ errors: [expect.objectContaining({ location: 'body' })] });
    });

    it('stores null for a nullable field as null (a client can clear it)', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/items',
        payload: { sku: 'NULL-1', name: 'Nullable', description: 'to be cleared', priceCents: 1 },
      });
      const item = created.json<Item>();
      const cleared = await t.app.inject({
        method: 'PATCH',
        url: `/v1/items/${item.id}`,
        headers: { 'if-match': String(created.headers.etag) },
        payload: { description: null },
      });
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json<Item>().description).toBeNull();
      expect((await t.app.inject({ url: `/v1/items/${item.id}` })).json<Item>().description).toBeNull();
      const zero = await t.app.inject({
        method: 'PATCH',
        url: `/v1/items/${item.id}`,
        headers: { 'if-match': String(cleared.headers.etag) },
        payload: { priceCents: null },
      });
      expectProblem(zero, 400);
    });

    it.each([
      ['a body string', 'POST', '/v1/items', { sku: 'NUL-1', name: 'a\u0000b', priceCents: 1 }],
      [
        'a nullable body string',
        'POST',
        '/v1/items',
        { sku: 'NUL-2', name: 'a', description: '\u0000', priceCents: 1 },
      ],
      ['a query parameter', 'GET', '/v1/items?namePrefix=%00', undefined],
      ['a sku filter', 'GET', '/v1/items?sku=a%00', undefined],
    ] as const)('rejects NUL in %s with 400, not a database error', async (_case, method, url, payload) => {
      const response = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expectProblem(response, 400);
      expect(JSON.stringify(response.json())).not.toMatch(/invalid byte sequence|0x00|UTF8/);
      expect(response.json()).toMatchObject({
        errors: [expect.objectContaining({ message: expect.stringContaining('NUL') })],
      });
    });

    it('rejects NUL in a PATCH body with 400', async () => {
      const { item, etag } = await create('NUL-3');
      const response = await t.app.inject({
        method: 'PATCH',
        url: `/v1/items/${item.id}`,
        headers: { 'if-match': etag },
        payload: { name: 'x\u0000' },
      });
      expectProblem(response, 400);
      expect(response.json()).toMatchObject({ errors: [{ location: 'body', path: '/name' }] });
    });

    it('answers a malformed id with 400 and an unknown id with 404', async () => {
      const malformed = await t.app.inject({ url: '/v1/items/not-a-uuid' });
      expectProblem(malformed, 400);
      expect(malformed.json()).toMatchObject({ errors: [expect.objectContaining({ location: 'params' })] });
      expectProblem(await t.app.inject({ url: '/v1/items/0190a7c4-1f2e-7000-8000-000000000000' }), 404);
    });
  });

  describe('list', () => {
    it('pages through all items with a cursor, in creation order', async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await create(`PAGE-${i}`, `Paged ${i}`)).item.id);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string> = {
          namePrefix: 'Paged',
          limit: '2',
          ...(cursor ? { cursor } : {}),
        };
        const response = await t.app.inject({ url: '/v1/items', query });
        expect(response.statusCode).toBe(200);
        const page = response.json<ItemPage>();
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(created);
    });

    it('filters by sku and by name prefix, treating LIKE wildcards literally', async () => {
      await create('FILTER-1', 'Filter_me');
      await create('FILTER-2', 'Filterxme');
      const bySku = await t.app.inject({ url: '/v1/items', query: { sku: 'FILTER-2' } });
      expect(bySku.json<ItemPage>().items.map((item) => item.sku)).toEqual(['FILTER-2']);
      const byPrefix = await t.app.inject({ url: '/v1/items', query: { namePrefix: 'Filter_' } });
      expect(byPrefix.json<ItemPage>().items.map((item) => item.sku)).toEqual(['FILTER-1']);
    });

    it('rejects a forged cursor and an out-of-range limit with 400', async () => {
      expectProblem(await t.app.inject({ url: '/v1/items', query: { cursor: 'bm90LWFuLWlk' } }), 400);
      expectProblem(await t.app.inject({ url: '/v1/items', query: { limit: '1000' } }), 400);
    });
  });

  describe('update and delete with optimistic concurrency', () => {
    it('requires If-Match (428), rejects a stale ETag (412) and applies a current one', async () => {
      const { item, etag } = await create('CONC-1');
      const url = `/v1/items/${item.id}`;

      expectProblem(await t.app.inject({ method: 'PATCH', url, payload: { name: 'No precondition' } }), 428);

      const updated = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { 'if-match': etag },
        payload: { priceCents: 200 },
      });
      expect(updated.statusCode).toBe(200);
      expect(updated.json()).toMatchObject({ priceCents: 200, version: 2, name: item.name });
      expect(updated.headers.etag).toBe('"2"');

      // A second writer still holding the first ETag loses.
      const stale = await t.app.inject({
        method: 'PATCH',
        url,
        headers: { 'if-match': etag },
        payload: { priceCents: 300 },
      });
      expectProblem(stale, 412);
      expect((await t.app.inject({ url })).json()).toMatchObject({ priceCents: 200, version: 2 });
    });

    it('rejects an empty change with 400 and an unknown id with 404', async () => {
      const { item, etag } = await create('CONC-2');
      expectProblem(
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/items/${item.id}`,
          headers: { 'if-match': etag },
          payload: {},
        }),
        400,
      );
      expectProblem(
        await t.app.inject({
          method: 'PATCH',
          url: '/v1/items/0190a7c4-1f2e-7000-8000-000000000000',
          headers: { 'if-match': '"1"' },
          payload: { name: 'x' },
        }),
        404,
      );
    });

    it('deletes with If-Match and then answers 404', async () => {
      const { item, etag } = await create('DEL-1');
      const url = `/v1/items/${item.id}`;
      expectProblem(await t.app.inject({ method: 'DELETE', url }), 428);
      expectProblem(await t.app.inject({ method: 'DELETE', url, headers: { 'if-match': '"7"' } }), 412);
      const deleted = await t.app.inject({ method: 'DELETE', url, headers: { 'if-match': etag } });
      expect(deleted.statusCode).toBe(204);
      expectProblem(await t.app.inject({ url }), 404);
    });
  });
});
