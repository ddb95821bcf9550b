import { randomUUID } from 'node:crypto';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { transaction } from '../src/db/transaction.ts';
import type { EventConsumer } from '../src/events/consumer.ts';
import type { EventEnvelope } from '../src/events/envelope.ts';
import { writeEvent } from '../src/events/outbox.ts';
import { InvalidEventError } from '../src/events/registry.ts';
import { createItem } from '../src/items/commands.ts';
import type { Item } from '../src/items/schemas.ts';
import { type TestApp, createTestApp } from './helpers.ts';
import { waitFor } from './events-support.ts';

// Redis Streams when REDIS_URL is set (own stream per app), the in-process bus otherwise.
describe('events', () => {
  let t: TestApp;
  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    t = await createTestApp({
      RATE_LIMIT_MAX: '10000',
      OUTBOX_POLL_INTERVAL_MS: '20',
      EVENTS_MAX_ATTEMPTS: '2',
      EVENTS_CLAIM_IDLE_MS: '200',
      EVENTS_BLOCK_MS: '50',
    });
  });
  afterAll(async () => {
    await t.close();
    context.disable();
  });

  const activityFor = (itemId: string) =>
    t.app.db.selectFrom('item_activity').selectAll().where('item_id', '=', itemId).execute();
  const outboxCount = async () =>
    Number(
      (
        await t.app.db
          .selectFrom('outbox')
          .select(sql<string>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('delivers a state change to the consumer through the outbox', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku: 'EV-1', name: 'Evented', priceCents: 1 },
    });
    expect(response.statusCode).toBe(201);
    const item = response.json<Item>();
    const rows = await waitFor(async () => {
      const found = await activityFor(item.id);
      return found.length > 0 && found;
    });
    expect(rows).toEqual([expect.objectContaining({ event_type: 'item.created', item_id: item.id })]);
    const outbox = await t.app.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', rows[0]?.event_id ?? '')
      .executeTakeFirst();
    expect(outbox?.published_at).toBeInstanceOf(Date);
    expect(outbox?.envelope).toMatchObject({
      type: 'item.created',
      version: 1,
      source: t.app.config.serviceName,
      data: item,
    });
  });

  it('writes no event when the state change rolls back', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku: 'EV-DUP', name: 'A', priceCents: 1 },
    });
    const before = await outboxCount();
    const duplicate = await t.app.inject({
      method: 'POST',
      url: '/v1/items',
      payload: { sku: 'EV-DUP', name: 'B', priceCents: 1 },
    });
    expect(duplicate.statusCode).toBe(409);
    expect(await outboxCount()).toBe(before);
  });

  it('validates event data against its schema on publish', async () => {
    const before = await outboxCount();
    await expect(
      transaction(t.app.db, (trx) =>
        writeEvent(trx, 'item.deleted', 1, { id: 42 } as unknown as { id: string }),
      ),
    ).rejects.toBeInstanceOf(InvalidEventError);
    expect(await outboxCount()).toBe(before);
  });

  it('has the effect of a redelivered event once', async () => {
    const item = await createItem(t.app.db, { sku: 'EV-REDELIVER', name: 'Twice', priceCents: 1 });
    const [first] = await waitFor(async () => {
      const found = await activityFor(item.id);
      return found.length > 0 && found;
    });
    const row = await t.app.db
      .selectFrom('outbox')
      .select(['envelope'])
      .where('id', '=', first?.event_id ?? '')
      .executeTakeFirstOrThrow();
    // As if the relay crashed after publishing and published it again.
    await t.app.events.transport.publish(first?.event_id ?? '', 'item.created', JSON.stringify(row.envelope));
    await waitFor(async () =>
      /events_duplicates_total\{consumer="item-activity"\} [1-9]/.test(
        (await t.app.inject({ url: '/metrics' })).body,
      ),
    );
    expect(await activityFor(item.id)).toHaveLength(1);
  });

  it('dead-letters a poisoned message at once, and a failing one after the maximum attempts', async () => {
    const attempts: number[] = [];
    const failing: EventConsumer = {
      name: `always-fails-${randomUUID()}`,
      types: ['item.created'],
      handle: (event) => {
        if ((event.data as Item).sku !== 'EV-FAIL') return Promise.resolve();
        attempts.push(Date.now());
        return Promise.reject(new Error('downstream exploded'));
      },
    };
    await t.app.events.subscribe(failing);
    const poisonId = randomUUID();
    await t.app.events.transport.publish(poisonId, 'item.created', '{"this is": "not an envelope"');
    const item = await createItem(t.app.db, { sku: 'EV-FAIL', name: 'Doomed', priceCents: 1 });

    const letters = await waitFor(
      async () => {
        const all = await t.app.events.deadLetters(1_000);
        const mine = all.filter((letter) => letter.group === failing.name);
        return (
          mine.some((letter) => letter.eventId === poisonId) &&
          mine.some((letter) => letter.raw.includes(item.id)) &&
          mine
        );
      },
      15_000,
      'dead letters',
    );
    const poisoned = letters.find((letter) => letter.eventId === poisonId);
    expect(poisoned).toMatchObject({ deliveries: 1, error: 'envelope is not JSON' });
    const failed = letters.find((letter) => letter.eventId !== poisonId && letter.raw.includes(item.id));
    expect((JSON.parse(failed?.raw ?? '{}') as EventEnvelope<Item>).data).toEqual(item);
    expect(failed).toMatchObject({ deliveries: 2, error: 'downstream exploded' });
    expect(attempts).toHaveLength(2);
    // The real consumer still processed the good event.
    await waitFor(async () => (await activityFor(item.id)).length === 1);
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(
      new RegExp(`^events_dead_lettered_total\\{consumer="${failing.name}"\\} 2$`, 'm'),
    );
    expect(metrics).toMatch(/^outbox_published_total [1-9]/m);
    expect(metrics).toMatch(/^outbox_pending_events \d/m);
    expect(metrics).toMatch(/^outbox_lag_seconds \d/m);
  });

  it('replays events from a time to a consumer (after fixing it)', async () => {
    const from = new Date();
    let fixed = false;
    const seen: string[] = [];
    const flaky: EventConsumer = {
      name: `flaky-${randomUUID()}`,
      types: ['item.created'],
      handle: (event) => {
        if (!fixed) return Promise.reject(new Error('bug'));
        seen.push((event.data as Item).sku);
        return Promise.resolve();
      },
    };
    await t.app.events.subscribe(flaky);
    await createItem(t.app.db, { sku: 'EV-REPLAY', name: 'Later', priceCents: 1 });
    await waitFor(
      async () => (await t.app.events.deadLetters(1_000)).some((letter) => letter.group === flaky.name),
      15_000,
      'the flaky consumer to give up',
    );
    fixed = true;
    await t.app.events.replay(flaky.name, from);
    await waitFor(async () => seen.includes('EV-REPLAY'), 15_000, 'the replayed event');
  });

  it('carries the trace context from the producer to the consumer', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: traceId.slice(0, 16),
      traceFlags: TraceFlags.SAMPLED,
    });
    let seenTraceId: string | undefined;
    const traced: EventConsumer = {
      name: `traced-${randomUUID()}`,
      types: ['item.created'],
      handle: (event) => {
        if ((event.data as Item).sku === 'EV-TRACE')
          seenTraceId = trace.getActiveSpan()?.spanContext().traceId;
        return Promise.resolve();
      },
    };
    await t.app.events.subscribe(traced);
    await context.with(parent, () =>
      createItem(t.app.db, { sku: 'EV-TRACE', name: 'Traced', priceCents: 1 }),
    );
    await waitFor(async () => seenTraceId !== undefined, 10_000, 'the traced event');
    expect(seenTraceId).toBe(traceId);
  });
});
