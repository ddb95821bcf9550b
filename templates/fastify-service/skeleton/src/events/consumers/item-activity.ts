import { newId } from '../../lib/uuid.ts';
import type { EventConsumer } from '../consumer.ts';

/**
 * Example consumer: records every item change in `item_activity` (an append-only read model). Its insert is not
 * idempotent on its own; it happens once per event because the consumer runner de-duplicates by event id.
 */
export const itemActivity: EventConsumer = {
  name: 'item-activity',
  types: ['item.created', 'item.updated', 'item.deleted'],
  async handle(event, trx) {
    const { id } = event.data as { id: string };
    await trx
      .insertInto('item_activity')
      .values({
        id: newId(),
        event_id: event.id,
        event_type: event.type,
        item_id: id,
        occurred_at: new Date(event.occurredAt),
      })
      .execute();
  },
};
