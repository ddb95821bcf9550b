// @ts-check

/**
 * Health probes of every polled service, and the samples the direct metrics
 * source scrapes from services' /metrics. Times are epoch milliseconds
 * (bigint) so SQLite and PostgreSQL behave the same.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_probes', table => {
    table.comment(
      'One probe of /health and /ready of a service in one environment',
    );
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('checked_at').notNullable().comment('epoch ms');
    table
      .string('status', 8)
      .notNullable()
      .comment('pass | warn | fail | down');
    table.integer('latency_ms').nullable();
    table.text('snapshot').notNullable().comment('HealthSnapshot JSON');
    table.index(
      ['entity_ref', 'environment', 'checked_at'],
      'service_health_probes_target_idx',
    );
    table.index(['checked_at'], 'service_health_probes_time_idx');
  });
  await knex.schema.createTable('service_health_metric_samples', table => {
    table.comment(
      'Samples scraped from services /metrics by the direct metrics source',
    );
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('scraped_at').notNullable().comment('epoch ms');
    table.text('sample').notNullable().comment('CompactSample JSON');
    table.index(
      ['entity_ref', 'environment', 'scraped_at'],
      'service_health_samples_target_idx',
    );
    table.index(['scraped_at'], 'service_health_samples_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_metric_samples');
  await knex.schema.dropTable('service_health_probes');
};
