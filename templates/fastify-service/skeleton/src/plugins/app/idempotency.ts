import type {
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Tx } from '../../db/transaction.ts';
import {
  type KeyRef,
  claim,
  complete,
  deleteExpired,
  fingerprint,
  release,
} from '../../idempotency/store.ts';
import { HttpProblem } from '../../lib/problem.ts';

/**
 * The Idempotency-Key record a request claimed. `storedWithCommand` once its response was stored in the command's
 * transaction: then the record is complete exactly if that transaction committed.
 */
type OwnedKey = KeyRef & { storedWithCommand: boolean };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request owns an Idempotency-Key record and must store its response. */
    idempotencyKey: OwnedKey | null;
  }
  interface FastifyReply {
    /**
     * Stores the response the route will send after its command, for the request's Idempotency-Key, in `trx`:
     * the command's transaction, from its `beforeCommit` hook. The change and the response that retries replay
     * then commit together or not at all; stored after the commit, a crash in between would leave a committed
     * change whose key a retry runs again (after IDEMPOTENCY_LOCK_TIMEOUT_MS). The payload is serialized as
     * Fastify will send it (the route's response schema for `statusCode`). The reply itself is left alone, as
     * the transaction may still roll back: send the same status, headers and payload once the command returns.
     * Does nothing for a request without a key.
     */
    storeIdempotentResponse(
      trx: Tx,
      statusCode: number,
      payload: unknown,
      headers?: Record<string, string>,
    ): Promise<void>;
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
/** What Fastify sends an object payload as. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** `payload` as Fastify will send it with `statusCode`: reply.serialize() uses the schema of the reply's status. */
function serializeFor(reply: FastifyReply, statusCode: number, payload: unknown): string {
  const current = reply.raw.statusCode;
  reply.raw.statusCode = statusCode;
  try {
    const body = reply.serialize(payload);
    return typeof body === 'string' ? body : new TextDecoder().decode(body);
  } finally {
    reply.raw.statusCode = current;
  }
}

/**
 * Idempotency keys (IETF draft "The Idempotency-Key HTTP Header Field") for unsafe methods. The first request
 * with a key claims it in PostgreSQL and its response is stored; a retry with the same key and body gets that
 * response again with `Idempotent-Replayed: true`, the same key with a different body 422, and a retry while
 * the first is still running 409. Keys are scoped to the caller (the token's subject when auth is on), expire
 * after IDEMPOTENCY_TTL_S and are cleaned up periodically. Server errors (5xx) and 429 are not stored, so they
 * can be retried with the same key.
 *
 * When the response is stored matters. A route whose command changes data stores it in the command's transaction
 * (reply.storeIdempotentResponse, see the items routes), so that the key is completed exactly when the change
 * commits. Any other response (an error, after which the command's transaction rolled back, or a route that does
 * not store its response itself) is stored in onSend, after it was produced: safe only because nothing it did
 * was committed, or because doing it again is harmless.
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

    app.decorateReply(
      'storeIdempotentResponse',
      async function (this: FastifyReply, trx: Tx, statusCode: number, payload: unknown, headers = {}) {
        const owned = this.request.idempotencyKey;
        if (owned === null) return;
        const hasBody = payload !== null && payload !== undefined;
        const stored = await complete(trx, owned, {
          statusCode,
          headers: hasBody ? { 'content-type': JSON_TYPE, ...headers } : headers,
          body: hasBody ? serializeFor(this, statusCode, payload) : null,
        });
        if (!stored) {
          // Another attempt with this key (one that took over a stale lock) completed or released it first. This
          // change must not commit as well: the throw rolls it back. The record is no longer ours to complete.
          this.request.idempotencyKey = null;
          this.header('retry-after', '1');
          throw new HttpProblem(
            409,
            'Another request with this Idempotency-Key finished first; retry for its response',
          );
        }
        owned.storedWithCommand = true;
      },
    );

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
          request.idempotencyKey = { ...ref, storedWithCommand: false };
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
      // Stored in the command's transaction, and the route answered, so it committed: nothing left to do. An
      // error answer instead means that transaction rolled back, the stored response with it: handled below.
      if (ref.storedWithCommand && reply.statusCode < 400) return payload;
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
