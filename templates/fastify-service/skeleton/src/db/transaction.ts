import type { Transaction } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

export type Tx = Transaction<Database>;

/**
 * Runs `work` in one database transaction: committed when it resolves, rolled back when it throws.
 * Commands use it so that a state change and everything that must happen with it (audit rows, outbox events)
 * are written atomically.
 */
export function transaction<T>(db: Db, work: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}
