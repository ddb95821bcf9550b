/**
 * Route config for probe and scrape endpoints (/health, /ready, /metrics): not traced (`otel: false` is read by
 * @fastify/otel), never rate limited (`rateLimit: false`: the limiter adds no hook to the route at all), not in
 * the request histogram and not in the request log.
 */
export const probeRouteConfig = { otel: false, rateLimit: false, probe: true } as const;

import type {} from '@fastify/otel'; // declares the `otel` route config
import type {} from '@fastify/rate-limit'; // declares the `rateLimit` route config

declare module 'fastify' {
  interface FastifyContextConfig {
    probe?: boolean;
  }
}
