import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { HttpProblem } from '../../lib/problem.ts';

/**
 * Rate limiting per client IP (behind a proxy, set Fastify's trustProxy so the IP is the client's): counters in
 * Redis when REDIS_URL is set (shared by all replicas), in memory otherwise. Responses carry the IETF
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` headers, and a 429 problem+json with `Retry-After`
 * once the limit is exceeded. A route overrides the defaults with `config: { rateLimit: { max, timeWindow } }`
 * or opts out with `config: { rateLimit: false }`, as the probes (/health, /ready, /metrics) do through
 * `probeRouteConfig`. When Redis is unreachable requests are let through rather than refused.
 */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: true,
      max: app.config.RATE_LIMIT_MAX,
      timeWindow: app.config.RATE_LIMIT_WINDOW_MS,
      enableDraftSpec: true,
      skipOnError: true,
      ...(app.redis === undefined ? {} : { redis: app.redis, nameSpace: `${app.redisPrefix}rate-limit:` }),
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(context.statusCode, `Rate limit exceeded: retry in ${context.after}`),
    });
  },
  { name: 'rate-limit', dependencies: ['redis'] },
);
