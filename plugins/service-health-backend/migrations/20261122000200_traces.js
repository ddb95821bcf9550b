// @ts-check

/**
 * Spans received by the embedded OTLP receiver of the service-health plugin.
 * One row per span; a trace is the rows sharing `trace_id`. Times are
 * microseconds since the epoch. Retention (by count and by age) is enforced
 * by the plugin, which deletes the oldest rows by `id` and by `received_at`.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_trace_spans', table => {
    table.comment('Spans received by the service-health OTLP receiver');
    table.bigIncrements('id');
    table.string('trace_id', 32).notNullable();
    table.string('span_id', 16).notNullable();
    table.string('parent_span_id', 16).nullable();
    table.string('service_name', 255).notNullable();
    table.string('environment', 255).nullable();
    table.string('operation', 1024).notNullable();
    table.string('kind', 16).notNullable();
    table.string('status', 8).notNullable();
    table.boolean('is_error').notNullable().defaultTo(false);
    table.bigInteger('start_us').notNullable();
    table.bigInteger('duration_us').notNullable();
    table.bigInteger('received_at').notNullable().comment('epoch ms');
    table.text('data').notNullable().comment('the span as JSON');
    table.unique(['trace_id', 'span_id'], {
      indexName: 'service_health_trace_spans_trace_span_uq',
    });
    table.index(
      ['service_name', 'start_us'],
      'service_health_trace_spans_svc_start_idx',
    );
    table.index(['received_at'], 'service_health_trace_spans_received_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_trace_spans');
};
