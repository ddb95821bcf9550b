import {
  TestDatabases,
  type TestDatabaseId,
} from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { migrate } from '../traces/testUtils';

/** Where TestDatabases finds the PostgreSQL server for POSTGRES_15. */
export const POSTGRES_URL_VARIABLE =
  'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * The databases the plugin's store tests run on: SQLite (in memory) always,
 * PostgreSQL 15 (production's database) when
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING names a server
 * (`.ci/run` sets it). Docker is off: without the variable TestDatabases
 * would try to start a container, and there is no Docker here.
 *
 * Call at module level (it registers Jest's afterAll that drops the
 * databases) and use with `describe.each(databases.eachSupportedId())`.
 */
export function pluginTestDatabases(): TestDatabases {
  const ids: TestDatabaseId[] = process.env[POSTGRES_URL_VARIABLE]
    ? ['POSTGRES_15', 'SQLITE_3']
    : ['SQLITE_3'];
  return TestDatabases.create({ ids, disableDocker: true });
}

/** A fresh, empty database of the given kind with the plugin's migrations applied. */
export async function migratedDatabase(
  databases: TestDatabases,
  id: TestDatabaseId,
): Promise<Knex> {
  const knex = await databases.init(id);
  await migrate(knex);
  return knex;
}
