import type { CompiledQuery, Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ItemsTable } from '../db/schema.ts';
import { HttpProblem } from '../lib/problem.ts';
import { toItem } from './mapper.ts';
import type { Item, ItemPage, ListItemsQuery } from './schemas.ts';

// The read side: plain selects, no transactions, safe to point at a replica later.

type ItemRow = Selectable<ItemsTable>;

/**
 * The busiest query, built and compiled once per database instead of on every request: Kysely's builder and
 * compiler cost more CPU than the rest of the route (measured, bench/README.md). Only its one parameter changes.
 */
const itemById = new WeakMap<Db, CompiledQuery<ItemRow>>();

export async function getItem(db: Db, id: string): Promise<Item | undefined> {
  let query = itemById.get(db);
  if (query === undefined) {
    query = db.selectFrom('items').selectAll().where('id', '=', id).compile();
    itemById.set(db, query);
  }
  const { rows } = await db.executeQuery<ItemRow>({ ...query, parameters: [id] });
  const row = rows[0];
  return row && toItem(row);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque cursor: the last id of the page. Ids are UUIDv7, so id order is creation order. */
function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!UUID.test(id)) throw new HttpProblem(400, 'cursor is not a value returned as nextCursor');
  return id;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export async function listItems(db: Db, query: ListItemsQuery): Promise<ItemPage> {
  // The schema's default fills it in; the fallback only satisfies the type.
  const { limit = 20, cursor, sku, namePrefix } = query;
  const rows = await db
    .selectFrom('items')
    .selectAll()
    .$if(cursor !== undefined, (qb) => qb.where('id', '>', decodeCursor(cursor ?? '')))
    .$if(sku !== undefined, (qb) => qb.where('sku', '=', sku ?? ''))
    .$if(namePrefix !== undefined, (qb) => qb.where('name', 'like', `${escapeLike(namePrefix ?? '')}%`))
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null,
  };
}
