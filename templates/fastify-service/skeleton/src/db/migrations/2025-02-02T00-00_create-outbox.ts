import { type Kysely, sql } from 'kysely';

// Events: the transactional outbox, consumer-side de-duplication, and the example consumer's table.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'uuid', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('envelope', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('pk_outbox', ['id'])
    .execute();
  // The relay only ever looks for unpublished rows, oldest first: a small partial index.
  await db.schema
    .createIndex('ix_outbox_unpublished')
    .on('outbox')
    .column('created_at')
    .where(sql.ref('published_at'), 'is', null)
    .execute();
  await db.schema.createIndex('ix_outbox_published_at').on('outbox').column('published_at').execute();

  await db.schema
    .createTable('processed_events')
    .addColumn('consumer', 'text', (column) => column.notNull())
    .addColumn('event_id', 'uuid', (column) => column.notNull())
    .addColumn('processed_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pk_processed_events', ['consumer', 'event_id'])
    .execute();
  await db.schema
    .createIndex('ix_processed_events_processed_at')
    .on('processed_events')
    .column('processed_at')
    .execute();

  await db.schema
    .createTable('item_activity')
    .addColumn('id', 'uuid', (column) => column.notNull())
    .addColumn('event_id', 'uuid', (column) => column.notNull())
    .addColumn('event_type', 'text', (column) => column.notNull())
    .addColumn('item_id', 'uuid', (column) => column.notNull())
    .addColumn('occurred_at', 'timestamptz', (column) => column.notNull())
    .addColumn('recorded_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pk_item_activity', ['id'])
    .execute();
  await db.schema.createIndex('ix_item_activity_item_id').on('item_activity').column('item_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('item_activity').execute();
  await db.schema.dropTable('processed_events').execute();
  await db.schema.dropTable('outbox').execute();
}
