// `npm run migrate`: applies pending migrations to DATABASE_URL (or the PGlite data dir) and exits.
import { loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';

const config = loadConfig();
const handle = await openDatabase(config, console);
try {
  const { results = [] } = await migrateToLatest(handle.db);
  for (const result of results) console.log(`${result.status}: ${result.migrationName}`);
  if (results.length === 0) console.log('database is up to date');
} finally {
  await handle.close();
}
