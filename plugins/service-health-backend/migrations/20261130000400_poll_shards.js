// @ts-check

/**
 * Who polls which shard when several backend replicas share the database:
 * each replica heartbeats a member row; shards are assigned over the live
 * members (rendezvous hashing with a bounded load, in ShardCoordinator), and
 * each shard's run is guarded by its lease row, claimed with one UPDATE so
 * that two replicas never run a shard in the same interval, even while they
 * disagree about membership.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('service_health_poll_members', table => {
    table.comment('Backend replicas taking part in the poll, by heartbeat');
    table.string('member_id', 64).primary();
    table.bigInteger('heartbeat_at').notNullable().comment('epoch ms');
    table.bigInteger('joined_at').notNullable().comment('epoch ms');
  });
  await knex.schema.createTable('service_health_poll_leases', table => {
    table.comment(
      'One row per poll shard: who runs it, until when, and when it last started',
    );
    table.integer('shard').primary();
    table.string('owner', 64);
    table
      .bigInteger('lease_until')
      .notNullable()
      .defaultTo(0)
      .comment('epoch ms; 0 when no run is going on');
    table
      .bigInteger('started_at')
      .notNullable()
      .defaultTo(0)
      .comment('epoch ms of the latest run start (the interval guard)');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('service_health_poll_leases');
  await knex.schema.dropTable('service_health_poll_members');
};
