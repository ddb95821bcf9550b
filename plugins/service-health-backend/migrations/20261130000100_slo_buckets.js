// @ts-check

/**
 * 5-minute aggregates of each service's requests for SLOs, made from the
 * direct metrics source's scrapes: counts per status class and per latency
 * bucket bound (JSON), kept for the longest SLO window (slo.retentionDays),
 * much longer than the raw samples. Times are epoch milliseconds (bigint).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_slo_buckets', table => {
    table.comment('Requests of a service in one 5-minute bucket, for SLOs');
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('bucket_start').notNullable().comment('epoch ms');
    table.double('total').notNullable().comment('requests in the bucket');
    table
      .text('counts')
      .notNullable()
      .comment('{"statuses":{"2xx":n,...},"le":{"0.3":n,...,"+Inf":n}}');
    // one row per bucket: a re-run replaces it (upsert), never adds to it
    table.unique(['entity_ref', 'environment', 'bucket_start'], {
      indexName: 'service_health_slo_buckets_target_uq',
    });
    table.index(['bucket_start'], 'service_health_slo_buckets_time_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_slo_buckets');
};
