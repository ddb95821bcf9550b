import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { type TestApp, createTestApp } from './helpers.ts';
import { hasRedisServer, startPrivateRedis, waitFor } from './events-support.ts';

type PrivateRedis = Awaited<ReturnType<typeof startPrivateRedis>>;

// Run by `npm run test:outage`, not `npm test`: it needs redis-server on PATH, because it kills
// and restarts a Redis of its own (never a shared one).
describe('events across a Redis outage', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    if (!hasRedisServer()) {
      throw new Error(
        'redis-server is not on PATH: install Redis (e.g. apt-get install redis-server) to run the outage test',
      );
    }
    redis = await startPrivateRedis();
    t = await createTestApp({
      REDIS_URL: redis.url,
      RATE_LIMIT_MAX: '10000',
      OUTBOX_POLL_INTERVAL_MS: '20',
      EVENTS_CLAIM_IDLE_MS: '300',
      EVENTS_BLOCK_MS: '100',
    });
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  async function createItems(prefix: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/items',
        payload: { sku: `${prefix}-${i}`, name: `Outage ${prefix} ${i}`, priceCents: i },
      });
      expect(response.statusCode).toBe(201);
      ids.push(response.json<{ id: string }>().id);
    }
    return ids;
  }

  const activity = () =>
    t.app.db
      .selectFrom('item_activity')
      .select(['item_id', 'event_id'])
      .where('event_type', '=', 'item.created')
      .execute();
  const pending = async () =>
    Number(
      (
        await t.app.db
          .selectFrom('outbox')
          .select(sql<string>`count(*)`.as('n'))
          .where('published_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('keeps events in the outbox while Redis is down and delivers each exactly once in effect after', async () => {
    const before = await createItems('BEFORE', 10);
    await waitFor(
      async () => (await activity()).length >= 5,
      10_000,
      'some events consumed before the outage',
    );

    await redis.kill();
    const during = await createItems('DURING', 10);
    // The API keeps working; the events wait in the outbox.
    await waitFor(async () => (await pending()) >= 10, 10_000, 'events waiting in the outbox');
    const ready = await t.app.inject({ url: '/ready' });
    expect(ready.json()).toMatchObject({ checks: { 'redis:connection': [{ status: 'warn' }] } });

    await redis.start();
    const after = await createItems('AFTER', 10);

    const expected = [...before, ...during, ...after];
    const rows = await waitFor(
      async () => {
        const found = await activity();
        return found.length >= expected.length && (await pending()) === 0 && found;
      },
      30_000,
      'every event consumed after the outage',
    );
    // Exactly once in effect: one row per item, no duplicate event, nothing lost.
    expect(rows.map((row) => row.item_id).sort()).toEqual([...expected].sort());
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(expected.length);
    expect((await t.app.inject({ url: '/ready' })).json()).toMatchObject({
      checks: { 'redis:connection': [{ status: 'pass' }] },
    });
  }, 60_000);
});
