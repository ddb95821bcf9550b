import type {
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import {
  type KeyRef,
  claim,
  complete,
  deleteExpired,
  fingerprint,
  release,
} from '../../idempotency/store.ts';
import { HttpProblem } from '../../lib/problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request owns an Idempotency-Key record and must store its response. */
    idempotencyKey: KeyRef | null;
  }
  interface FastifyContextConfig {
    /** `idempotency: false` turns Idempotency-Key handling off for a route. */
    idempotency?: false;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The draft defines the key as a structured-field string ("..."); a bare token is accepted too. */
const KEY = /^"?([\x21\x23-\x7e]{1,255})"?$/;
/** Response headers replayed with the stored body. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'cache-control', 'last-modified'];

/**
 * Idempotency keys (IETF draft "The Idempotency-Key HTTP Header Field") for unsafe methods. The first request
 * with a key claims it in PostgreSQL and its response is stored; a retry with the same key and body gets that
 * response again with `Idempotent-Replayed: true`, the same key with a different body 422, and a retry while
 * the first is still running 409. Keys are scoped to the caller (the token's subject when auth is on), expire
 * after IDEMPOTENCY_TTL_S and are cleaned up periodically. Server errors (5xx) and 429 are not stored, so they
 * can be retried with the same key.
 */
export default fp(
  async (app) => {
    const db = app.db;
    const { IDEMPOTENCY_TTL_S: ttlS, IDEMPOTENCY_LOCK_TIMEOUT_MS: lockTimeoutMs } = app.config;
    const requests = new Counter({
      name: 'idempotency_requests_total',
      help: 'Requests carrying an Idempotency-Key, by outcome (new, replayed, in_flight, mismatch)',
      labelNames: ['outcome'] as const,
      registers: [app.metrics],
    });
    const expired = new Counter({
      name: 'idempotency_keys_expired_total',
      help: 'Idempotency-Key records deleted after their TTL',
      registers: [app.metrics],
    });
    app.decorateRequest('idempotencyKey', null);

    const onPreHandler: preHandlerAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers['idempotency-key'];
      if (header === undefined) return;
      const match = typeof header === 'string' ? KEY.exec(header) : null;
      if (match?.[1] === undefined) {
        throw new HttpProblem(400, 'Idempotency-Key must be 1 to 255 printable characters');
      }
      const ref: KeyRef = {
        principal: (request as { user?: { sub?: string } | null }).user?.sub ?? '',
        key: match[1],
      };
      const result = await claim(
        db,
        ref,
        {
          method: request.method,
          path: request.url,
          fingerprint: fingerprint(request.method, request.url, request.body),
        },
        { ttlS, lockTimeoutMs },
      );
      requests.inc({ outcome: result.outcome });
      switch (result.outcome) {
        case 'new':
          request.idempotencyKey = ref;
          return;
        case 'mismatch':
          throw new HttpProblem(422, 'This Idempotency-Key was already used with a different request');
        case 'in_flight':
          reply.header('retry-after', '1');
          throw new HttpProblem(409, 'A request with this Idempotency-Key is still being processed');
        case 'replayed': {
          const { statusCode, headers, body } = result.response;
          return reply.code(statusCode).headers(headers).header('idempotent-replayed', 'true').send(body);
        }
      }
    };

    const onSend: onSendAsyncHookHandler = async (request, reply, payload) => {
      const ref = request.idempotencyKey;
      if (ref === null) return payload;
      request.idempotencyKey = null;
      try {
        if (reply.statusCode >= 500 || reply.statusCode === 429) {
          await release(db, ref);
        } else if (payload === null || payload === undefined || typeof payload === 'string') {
          const headers: Record<string, string> = {};
          for (const name of REPLAYED_HEADERS) {
            const value = reply.getHeader(name);
            if (value !== undefined) headers[name] = String(value);
          }
          await complete(db, ref, { statusCode: reply.statusCode, headers, body: payload ?? null });
        } else {
          // A streamed body cannot be stored: let retries run again rather than replay something partial.
          await release(db, ref);
        }
      } catch (error) {
        request.log.error({ err: error, idempotencyKey: ref.key }, 'could not store the idempotent response');
      }
      return payload;
    };

    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat();
      if (!methods.some((method) => UNSAFE.has(method)) || route.config?.idempotency === false) return;
      // Route-level hooks run after the route's own: authentication and role checks come first.
      route.preHandler = [...(route.preHandler === undefined ? [] : [route.preHandler].flat()), onPreHandler];
      route.onSend = [...(route.onSend === undefined ? [] : [route.onSend].flat()), onSend];
    });

    const cleanup = setInterval(() => {
      deleteExpired(db).then(
        (count) => {
          expired.inc(count);
        },
        (error: unknown) => {
          app.log.warn({ err: error }, 'idempotency key cleanup failed');
        },
      );
    }, app.config.IDEMPOTENCY_CLEANUP_INTERVAL_MS);
    cleanup.unref();
    app.addHook('onClose', () => {
      clearInterval(cleanup);
    });
  },
  { name: 'idempotency', dependencies: ['db', 'metrics'] },
);
