// @ts-check

/**
 * The latest SLO evaluation of each target (one row per entity and
 * environment, replaced at each evaluation): what the roll-up card's batch
 * read answers from, so that it reads no OpenSLO file and no 28 days of
 * buckets per entity. Written by the SLO aggregation task after it writes the
 * buckets, and by each SLO read of the Health tab.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_slo_status', table => {
    table.comment('Latest SLO evaluation per target, for batch reads');
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('computed_at').notNullable().comment('epoch ms');
    table
      .text('response')
      .notNullable()
      .comment('SourcedResponse<EntitySlos> as JSON');
    table.primary(['entity_ref', 'environment']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_slo_status');
};
