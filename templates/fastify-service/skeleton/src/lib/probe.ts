/**
 * Route config for probe and scrape endpoints (/health, /ready, /metrics): not traced (`otel: false` is read by
 * @fastify/otel), not in the request histogram and not in the request log.
 */
export const probeRouteConfig = { otel: false, probe: true } as const;

import type {} from '@fastify/otel'; // declares the `otel` route config

declare module 'fastify' {
  interface FastifyContextConfig {
    probe?: boolean;
  }
}
