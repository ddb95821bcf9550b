import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { type Db, openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrate.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

/** The database: opened (with retries), migrated when MIGRATE_ON_START, checked by /ready, closed on shutdown. */
export default fp(
  async (app) => {
    const handle = await openDatabase(app.config, app.log);
    app.addHook('onClose', () => handle.close());

    if (app.config.MIGRATE_ON_START) {
      const { results = [] } = await migrateToLatest(handle.db);
      for (const result of results) app.log.info({ migration: result.migrationName }, 'migration applied');
    }

    app.decorate('db', handle.db);
    app.health.addCheck('postgres:connection', 'datastore', async () => {
      await handle.ping();
      return { output: handle.kind };
    });

    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'] as const,
      registers: [app.metrics],
      collect() {
        const stats = handle.poolStats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  },
  { name: 'db', dependencies: ['health', 'metrics'] },
);
