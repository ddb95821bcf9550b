import type {
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { AuthError, type Principal, authSettings, createVerifier } from '../../auth/jwt.ts';
import { HttpProblem } from '../../lib/problem.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Route guard (preHandler): 403 unless the caller has at least one of `roles`. */
    requireRole(...roles: string[]): preHandlerAsyncHookHandler;
  }
  interface FastifyRequest {
    /** The verified caller; null on public routes. */
    user: Principal | null;
  }
  interface FastifyContextConfig {
    /** `auth: false` makes a route public (probes and /docs always are). */
    auth?: false;
  }
}

/** The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are Bearer too. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

function unauthorized(reply: FastifyReply, detail: string, error?: 'invalid_token'): HttpProblem {
  reply.header(
    'www-authenticate',
    error === undefined ? 'Bearer' : `Bearer error="${error}", error_description="${detail}"`,
  );
  return new HttpProblem(401, detail);
}

/**
 * JWT bearer authentication, secure by default: every route registered after this plugin requires a valid token,
 * except probes (/health, /ready, /metrics), the OpenAPI UI (/docs) and routes with `config: { auth: false }`.
 * Unknown routes still answer 404. Verification runs after rate limiting, so a flood of bad tokens is throttled.
 */
export default fp(
  async (app) => {
    const verify = createVerifier(authSettings(app.config));
    app.decorateRequest('user', null);

    const authenticate: onRequestAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization;
      if (header === undefined || header === '') throw unauthorized(reply, 'Bearer token required');
      const match = BEARER.exec(header);
      if (match?.[1] === undefined) throw unauthorized(reply, 'malformed bearer token', 'invalid_token');
      try {
        request.user = await verify(match[1]);
      } catch (error) {
        if (error instanceof AuthError && error.unavailable) {
          request.log.warn({ err: error }, 'token keys unavailable');
          throw new HttpProblem(503, 'Cannot verify tokens right now');
        }
        throw unauthorized(reply, error instanceof Error ? error.message : 'invalid token', 'invalid_token');
      }
    };

    app.addHook('onRoute', (route) => {
      if (route.config?.probe === true || route.config?.auth === false || route.url.startsWith('/docs'))
        return;
      // Route-level onRequest hooks run in order: rate limiting (registered earlier) comes first.
      // The OpenAPI document says which operations need the token (@fastify/swagger reads the schema later).
      if (route.schema !== undefined) route.schema.security = [{ bearerAuth: [] }];
      const existing = route.onRequest;
      route.onRequest = [...(existing === undefined ? [] : [existing].flat()), authenticate];
    });

    app.decorate('requireRole', (...roles: string[]): preHandlerAsyncHookHandler => {
      return async (request) => {
        if (request.user === null) throw new HttpProblem(401, 'Bearer token required');
        if (!roles.some((role) => request.user?.roles.includes(role))) {
          throw new HttpProblem(403, `Requires one of the roles: ${roles.join(', ')}`);
        }
      };
    });
  },
  { name: 'auth', dependencies: ['rate-limit'] },
);
