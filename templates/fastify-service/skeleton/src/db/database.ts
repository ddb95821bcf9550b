import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Database } from './schema.ts';
import { serverOf, withTracing } from './tracing.ts';

export type Db = Kysely<Database>;

export type PoolStats = { total: number; idle: number; waiting: number };

export type DatabaseHandle = {
  db: Db;
  /** `postgres` (DATABASE_URL) or `pglite` (embedded, when DATABASE_URL is unset). */
  kind: 'postgres' | 'pglite';
  poolStats(): PoolStats;
  ping(): Promise<void>;
  close(): Promise<void>;
};

type Logger = { warn(object: object, message: string): void };

/**
 * Opens the database: PostgreSQL through a `pg` pool when DATABASE_URL is set, otherwise an embedded PGlite
 * (in memory, or in PGLITE_DATA_DIR) so the service runs with no setup. Retries connection errors with
 * exponential backoff, because at start-up the database is often still booting next to the service. Both drivers
 * are traced the same way (a client span per query, see tracing.ts).
 */
export async function openDatabase(config: Config, log: Logger): Promise<DatabaseHandle> {
  const handle =
    config.DATABASE_URL === undefined ? await openPglite(config) : openPostgres(config, config.DATABASE_URL);
  for (let attempt = 0; ; attempt++) {
    try {
      await handle.ping();
      return handle;
    } catch (error) {
      if (attempt >= config.DB_CONNECT_RETRIES) {
        await handle.close();
        throw error;
      }
      const delayMs = Math.min(200 * 2 ** attempt, 5_000);
      // One line per attempt, without a stack: at start-up the database is often just not up yet.
      const { code, message } = error as { code?: string; message?: string };
      const reason = message || code || 'unknown error';
      log.warn({ reason, attempt: attempt + 1, delayMs }, 'database not reachable, retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function openPostgres(config: Config, connectionString: string): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: config.DB_POOL_MAX,
    idleTimeoutMillis: config.DB_POOL_IDLE_TIMEOUT_MS,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    // Without it a query on a pooled connection to a frozen server waits for TCP to give up (minutes).
    query_timeout: config.DB_QUERY_TIMEOUT_MS,
    application_name: config.serviceName,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener it would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: withTracing(new PostgresDialect({ pool }), serverOf(connectionString)),
  });
  return {
    db,
    kind: 'postgres',
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/**
 * PGlite is imported only when it is used: its WebAssembly PostgreSQL is the largest module the service could
 * load, and a service on PostgreSQL should not pay for it (RSS, start-up).
 */
async function openPglite(config: Config): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite(config.PGLITE_DATA_DIR || undefined);
  const db = new Kysely<Database>({ dialect: withTracing(new PGliteDialect({ pglite })) });
  return {
    db,
    kind: 'pglite',
    // PGlite is one in-process connection.
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
