import type { Selectable } from 'kysely';
import type { ItemsTable } from '../db/schema.ts';
import type { Item } from './schemas.ts';

export function toItem(row: Selectable<ItemsTable>): Item {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
