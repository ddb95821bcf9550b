// @ts-check

/**
 * Releases a service reported (health+json `version` / `releaseId`), one row
 * each time the reported pair changes: the deploy markers on the Health
 * tab's charts. A row per deploy, so no retention is needed.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_releases', table => {
    table.comment('Releases reported by services, one row per change');
    table.bigIncrements('id').primary();
    table.string('entity_ref', 255).notNullable();
    table.string('environment', 63).notNullable();
    table.bigInteger('seen_at').notNullable().comment('epoch ms');
    table.string('version', 256);
    table.string('release_id', 256);
    table.index(
      ['entity_ref', 'environment', 'seen_at'],
      'service_health_releases_target_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_releases');
};
