import type { ColumnType, Generated } from 'kysely';

/** Table types as Kysely sees them (snake_case, as in SQL). Keep in step with the migrations. */
export interface ItemsTable {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  price_cents: number;
  version: Generated<number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Idempotency-Key records (src/idempotency); status_code is null while the first request is in flight. */
export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  method: string;
  path: string;
  fingerprint: string;
  status_code: number | null;
  response_headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  response_body: string | null;
  locked_at: ColumnType<Date, Date | undefined, Date>;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: ColumnType<Date, Date, Date>;
}
// #region feature:events

/** The transactional outbox: events written with the state change, published by the relay (src/events). */
export interface OutboxTable {
  id: string;
  type: string;
  version: number;
  envelope: ColumnType<unknown, string, string>;
  created_at: ColumnType<Date, Date | undefined, never>;
  published_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

/** Consumer-side de-duplication: an event's effect and its row here commit together, once per consumer. */
export interface ProcessedEventsTable {
  consumer: string;
  event_id: string;
  processed_at: ColumnType<Date, Date | undefined, never>;
}

/** The example consumer's read model (src/events/consumers/item-activity.ts). */
export interface ItemActivityTable {
  id: string;
  event_id: string;
  event_type: string;
  item_id: string;
  occurred_at: Date;
  recorded_at: ColumnType<Date, Date | undefined, never>;
}
// #endregion feature:events

export interface Database {
  items: ItemsTable;
  idempotency_keys: IdempotencyKeysTable;
  // #region feature:events
  outbox: OutboxTable;
  processed_events: ProcessedEventsTable;
  item_activity: ItemActivityTable;
  // #endregion feature:events
}
