import { resolvePackagePath } from '@backstage/backend-plugin-api';
import fs from 'node:fs';
import { pluginTestDatabases } from '../__testUtils__/databases';

/*
 * Every Knex migration in migrations/, up and down, on each supported
 * database: SQLite always, PostgreSQL (production's database) when
 * BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set.
 */
const databases = pluginTestDatabases();
const directory = resolvePackagePath(
  '@fastify-backstage/plugin-service-health-backend',
  'migrations',
);
const TABLES = [
  'service_health_probes',
  'service_health_metric_samples',
  'service_health_trace_spans',
  'service_health_probe_rollups',
  'service_health_latest_probes',
  'service_health_slo_buckets',
  'service_health_slo_status',
];

jest.setTimeout(60_000);

describe.each(databases.eachSupportedId())('migrations on %s', id => {
  it('apply every file, roll back to nothing and apply again', async () => {
    const knex = await databases.init(id);
    const files = fs.readdirSync(directory).filter(f => f.endsWith('.js'));

    const [, applied] = await knex.migrate.latest({ directory });
    expect(applied.map((f: string) => f.replace(/^.*\//, ''))).toEqual(
      [...files].sort(),
    );
    for (const table of TABLES) {
      expect(await knex.schema.hasTable(table)).toBe(true);
    }
    // Running again is a no-op: every replica runs the migrations at start-up.
    expect((await knex.migrate.latest({ directory }))[1]).toEqual([]);

    await knex.migrate.rollback({ directory }, true);
    for (const table of TABLES) {
      expect(await knex.schema.hasTable(table)).toBe(false);
    }
    await knex.migrate.latest({ directory });
    for (const table of TABLES) {
      expect(await knex.schema.hasTable(table)).toBe(true);
    }
  });

  it('keep one row per retried span and per rollup bucket (unique keys)', async () => {
    const knex = await databases.init(id);
    await knex.migrate.latest({ directory });
    const span = {
      trace_id: 'a'.repeat(32),
      span_id: 'b'.repeat(16),
      service_name: 'svc',
      operation: 'op',
      kind: 'server',
      status: 'ok',
      start_us: 1,
      duration_us: 1,
      received_at: 1,
      data: '{}',
    };
    await knex('service_health_trace_spans').insert(span);
    await expect(
      knex('service_health_trace_spans').insert(span),
    ).rejects.toThrow();
    const bucket = {
      entity_ref: 'component:default/a',
      environment: 'default',
      bucket_start: 0,
      bucket_ms: 900_000,
    };
    await knex('service_health_probe_rollups').insert(bucket);
    await expect(
      knex('service_health_probe_rollups').insert(bucket),
    ).rejects.toThrow();
  });
});
