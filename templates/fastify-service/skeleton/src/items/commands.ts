import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { type Tx, transaction } from '../db/transaction.ts';
// #region feature:events
import { writeEvent } from '../events/outbox.ts';
// #endregion feature:events
import { HttpProblem } from '../lib/problem.ts';
import { newId } from '../lib/uuid.ts';
import { toItem } from './mapper.ts';
import type { CreateItem, Item, UpdateItem } from './schemas.ts';

// The write side. Each command runs in one transaction, so whatever else a change must write (an outbox
// event, an audit row, the response to the request's Idempotency-Key) can join it atomically.

/**
 * Runs in a command's transaction after its change and before the commit, for a write that must commit with the
 * change or not at all. The routes store the response to the request's Idempotency-Key here
 * (`reply.storeIdempotentResponse`), so that a crash can never leave a committed change whose key a retry would
 * run again. Throwing rolls the change back.
 */
export type BeforeCommit<T> = (trx: Tx, result: T) => Promise<void>;

export async function createItem(
  db: Db,
  input: CreateItem,
  beforeCommit?: BeforeCommit<Item>,
): Promise<Item> {
  try {
    return await transaction(db, async (trx) => {
      const row = await trx
        .insertInto('items')
        .values({
          id: newId(),
          sku: input.sku,
          name: input.name,
          description: input.description ?? null,
          price_cents: input.priceCents,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const item = toItem(row);
      // #region feature:events
      await writeEvent(trx, 'item.created', 1, item);
      // #endregion feature:events
      await beforeCommit?.(trx, item);
      return item;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'uq_items_sku')) {
      throw new HttpProblem(409, `An item with sku ${input.sku} already exists`);
    }
    throw error;
  }
}

/**
 * Optimistic concurrency: the update applies only if the row still has one of `versions` (from If-Match;
 * null means any). Otherwise 412 when the item exists, 404 when it does not.
 */
export async function updateItem(
  db: Db,
  id: string,
  versions: number[] | null,
  changes: UpdateItem,
  beforeCommit?: BeforeCommit<Item>,
): Promise<Item> {
  return transaction(db, async (trx) => {
    const row = await trx
      .updateTable('items')
      .set({
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.priceCents === undefined ? {} : { price_cents: changes.priceCents }),
        version: sql<number>`version + 1`,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .$if(versions !== null, (qb) => qb.where('version', 'in', versions?.length ? versions : [-1]))
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) return throwMissingOrChanged(trx, id);
    const item = toItem(row);
    // #region feature:events
    await writeEvent(trx, 'item.updated', 1, item);
    // #endregion feature:events
    await beforeCommit?.(trx, item);
    return item;
  });
}

export async function deleteItem(
  db: Db,
  id: string,
  versions: number[] | null,
  beforeCommit?: BeforeCommit<void>,
): Promise<void> {
  await transaction(db, async (trx) => {
    const result = await trx
      .deleteFrom('items')
      .where('id', '=', id)
      .$if(versions !== null, (qb) => qb.where('version', 'in', versions?.length ? versions : [-1]))
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) await throwMissingOrChanged(trx, id);
    // #region feature:events
    await writeEvent(trx, 'item.deleted', 1, { id });
    // #endregion feature:events
    await beforeCommit?.(trx);
  });
}

async function throwMissingOrChanged(db: Db, id: string): Promise<never> {
  const exists = await db.selectFrom('items').select('id').where('id', '=', id).executeTakeFirst();
  throw exists
    ? new HttpProblem(412, 'The item has changed since the ETag given in If-Match; fetch it again')
    : new HttpProblem(404, `Item ${id} not found`);
}
