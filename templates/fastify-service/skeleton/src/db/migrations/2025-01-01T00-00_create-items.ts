import { type Kysely, sql } from 'kysely';

// Constraints and indexes are named explicitly (pk_, uq_, fk_, ck_, ix_) so that errors, plans and later
// migrations can refer to them by a stable name.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('items')
    .addColumn('id', 'uuid', (column) => column.notNull())
    .addColumn('sku', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('price_cents', 'integer', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('pk_items', ['id'])
    .addUniqueConstraint('uq_items_sku', ['sku'])
    .addCheckConstraint('ck_items_price_cents_non_negative', sql`price_cents >= 0`)
    .execute();
  await db.schema.createIndex('ix_items_name').on('items').column('name').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('items').execute();
}
