// @ts-check

/**
 * Bounded probe history. Health probes older than the raw window (`serviceHealth.health.rawHours`)
 * are aggregated into fixed buckets here (counts per status, latency), so the
 * probe history stays bounded at any number of services: raw rows for the
 * last hours, one row per service and bucket before that.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_probe_rollups', table => {
    table.comment('Health probes aggregated per service and time bucket');
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('bucket_start').notNullable().comment('epoch ms');
    table.integer('bucket_ms').notNullable();
    table.integer('pass').notNullable().defaultTo(0);
    table.integer('warn').notNullable().defaultTo(0);
    table.integer('fail').notNullable().defaultTo(0);
    table.integer('down').notNullable().defaultTo(0);
    table.bigInteger('latency_sum_ms').notNullable().defaultTo(0);
    table.integer('latency_count').notNullable().defaultTo(0);
    table.unique(['entity_ref', 'environment', 'bucket_start'], {
      indexName: 'service_health_probe_rollups_target_uq',
    });
    table.index(['bucket_start'], 'service_health_probe_rollups_time_idx');
  });
  // The latest probe of each target, whole (what the API's /health answers):
  // probe rows keep status and latency only, so they stay ~0.1 KB.
  await knex.schema.createTable('service_health_latest_probes', table => {
    table.comment('The latest health probe of each service, whole');
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('checked_at').notNullable().comment('epoch ms');
    table.text('snapshot').notNullable().comment('HealthSnapshot JSON');
    table.primary(['entity_ref', 'environment']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_latest_probes');
  await knex.schema.dropTable('service_health_probe_rollups');
};
