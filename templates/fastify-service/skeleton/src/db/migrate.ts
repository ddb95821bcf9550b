import { type Migration, type MigrationResultSet, Migrator } from 'kysely/migration';
import type { Db } from './database.ts';
import * as createItems from './migrations/2025-01-01T00-00_create-items.ts';
import * as createIdempotencyKeys from './migrations/2025-02-01T00-00_create-idempotency-keys.ts';
// #region feature:events
import * as createOutbox from './migrations/2025-02-02T00-00_create-outbox.ts';
// #endregion feature:events

/**
 * Migrations in order. A static list rather than a folder scan: it works the same from src/ (dev, tests) and
 * dist/ (production), and a migration cannot be picked up by accident.
 */
const migrations: Record<string, Migration> = {
  '2025-01-01T00-00_create-items': createItems,
  '2025-02-01T00-00_create-idempotency-keys': createIdempotencyKeys,
  // #region feature:events
  '2025-02-02T00-00_create-outbox': createOutbox,
  // #endregion feature:events
};

/** Applies pending migrations; Kysely holds an advisory lock, so concurrent replicas migrate once. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const result = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    throw result.error instanceof Error
      ? result.error
      : new Error('migration failed', { cause: result.error });
  }
  return result;
}
