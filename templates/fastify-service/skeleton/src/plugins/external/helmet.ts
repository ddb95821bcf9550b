import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import fp from 'fastify-plugin';

/**
 * The response headers @fastify/helmet sets with `options` (CSP, HSTS, X-Content-Type-Options, ...), found once at
 * start-up by asking helmet itself on a throwaway instance, so they are exactly helmet's.
 */
export async function helmetHeaders(options: FastifyHelmetOptions = {}): Promise<[string, string][]> {
  const probe = async (secured: boolean) => {
    const app = Fastify({ logger: false });
    if (secured) await app.register(fastifyHelmet, options);
    // Not traced: @fastify/otel instruments every Fastify instance, and these two throwaway requests at start-up
    // were exported as `GET /` server spans the service never served.
    app.get('/', { config: { otel: false } }, async () => 'probe');
    const response = await app.inject({ url: '/' });
    await app.close();
    return response.headers;
  };
  const plain = await probe(false);
  const secured = await probe(true);
  return Object.entries(secured)
    .filter(([name, value]) => !(name in plain) && value !== undefined)
    .map(([name, value]) => [name, String(value)]);
}

/**
 * Security headers: helmet's defaults (the default CSP suits a JSON API). @fastify/helmet rebuilds the helmet
 * middleware (parsing the CSP directives again) on every request, which cost ~5% of the CPU of a small route;
 * the headers do not depend on the request, so they are computed once and copied onto each reply.
 * /docs keeps a CSP that fits the UI: @fastify/swagger-ui (`staticCSP`) sets its own on its routes, which replaces
 * this one. A route can opt out with `config: { helmet: false }`.
 */
export default fp(
  async (app) => {
    const headers = await helmetHeaders();
    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config.helmet !== false) {
        for (const [name, value] of headers) reply.header(name, value);
      }
      done();
    });
  },
  { name: 'helmet' },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `helmet: false` leaves the security headers off this route's responses. */
    helmet?: false;
  }
}
