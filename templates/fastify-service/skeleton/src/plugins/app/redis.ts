import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared Redis connection when REDIS_URL is set (rate-limit counters); undefined otherwise. */
    redis: Redis | undefined;
    /** Prefix for every Redis key and stream of this service (REDIS_KEY_PREFIX, default `<service name>:`). */
    redisPrefix: string;
  }
}

/**
 * Redis is optional: with REDIS_URL set, rate-limit counters are shared by all replicas. It is reported by /ready
 * as `redis:connection`, with `warn` rather than `fail` when it is unreachable: the service still serves (rate
 * limiting fails open).
 * #region feature:events
 * Events flow through Redis Streams when it is set; while it is unreachable they wait in the outbox.
 * #endregion feature:events
 */
export default fp(
  async (app) => {
    app.decorate('redisPrefix', app.config.REDIS_KEY_PREFIX || `${app.config.serviceName}:`);
    const url = app.config.REDIS_URL;
    if (url === undefined) {
      app.decorate('redis', undefined);
      return;
    }
    // Imported only when used: ioredis is ~20 MiB of RSS a service without Redis would carry for nothing.
    const { closeRedis, createRedis, errorMessage } = await import('../../lib/redis.ts');
    const redis = createRedis(url, app.log, `${app.config.serviceName}:shared`);
    app.decorate('redis', redis);
    app.addHook('onClose', () => closeRedis(redis));
    app.health.addCheck('redis:connection', 'datastore', async () => {
      try {
        await redis.ping();
        return { output: redis.status };
      } catch (error) {
        return { status: 'warn', output: `unreachable: ${errorMessage(error)}` };
      }
    });
  },
  { name: 'redis', dependencies: ['health'] },
);
