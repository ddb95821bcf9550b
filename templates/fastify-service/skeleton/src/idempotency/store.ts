import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export type StoredResponse = {
  statusCode: number;
  headers: Record<string, string>;
  body: string | null;
};

export type KeyRef = { principal: string; key: string };

export type Claim =
  | { outcome: 'new' }
  | { outcome: 'replayed'; response: StoredResponse }
  | { outcome: 'in_flight' }
  | { outcome: 'mismatch' };

/** JSON with object keys sorted, so that the same body always has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

export function fingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonical(body)}`)
    .digest('base64url');
}

/**
 * Claims `ref` for a request, atomically: the INSERT ... ON CONFLICT DO NOTHING on the primary key lets exactly
 * one of any number of concurrent requests own the key. The others see the owner's record: in flight (409),
 * completed (replay), or made for a different request (422). An in-flight record older than `lockTimeoutMs`
 * (its owner crashed) is taken over; an expired one is replaced.
 */
export async function claim(
  db: Db,
  ref: KeyRef,
  request: { method: string; path: string; fingerprint: string },
  options: { ttlS: number; lockTimeoutMs: number },
): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({
        principal: ref.principal,
        key: ref.key,
        method: request.method,
        path: request.path,
        fingerprint: request.fingerprint,
        expires_at: sql<Date>`now() + make_interval(secs => ${options.ttlS})`,
      })
      .onConflict((oc) => oc.columns(['principal', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted !== undefined) return { outcome: 'new' };

    const row = await db
      .selectFrom('idempotency_keys')
      .select([
        'fingerprint',
        'status_code',
        'response_headers',
        'response_body',
        sql<boolean>`expires_at < now()`.as('expired'),
        sql<boolean>`locked_at < now() - make_interval(secs => ${options.lockTimeoutMs / 1000})`.as('stale'),
      ])
      .where('principal', '=', ref.principal)
      .where('key', '=', ref.key)
      .executeTakeFirst();
    if (row === undefined) continue; // deleted in between (expired and cleaned up): try again
    if (row.expired) {
      await db
        .deleteFrom('idempotency_keys')
        .where('principal', '=', ref.principal)
        .where('key', '=', ref.key)
        .where(sql<boolean>`expires_at < now()`)
        .execute();
      continue;
    }
    if (row.fingerprint !== request.fingerprint) return { outcome: 'mismatch' };
    if (row.status_code !== null) {
      return {
        outcome: 'replayed',
        response: {
          statusCode: row.status_code,
          headers: row.response_headers ?? {},
          body: row.response_body,
        },
      };
    }
    if (row.stale) {
      const taken = await db
        .updateTable('idempotency_keys')
        .set({ locked_at: sql<Date>`now()` })
        .where('principal', '=', ref.principal)
        .where('key', '=', ref.key)
        .where('status_code', 'is', null)
        // Re-checked in the UPDATE: of concurrent takeovers only the first still sees a stale lock.
        .where(sql<boolean>`locked_at < now() - make_interval(secs => ${options.lockTimeoutMs / 1000})`)
        .returning('key')
        .executeTakeFirst();
      if (taken !== undefined) return { outcome: 'new' };
    }
    return { outcome: 'in_flight' };
  }
  return { outcome: 'in_flight' };
}

/**
 * Stores the response for an in-flight key; retries with the same key replay it until the record expires. `db` is
 * the command's transaction when the request changed data, so that the change and its stored response commit
 * together (see storeIdempotentResponse in plugins/app/idempotency.ts). Returns false when the key is no longer in
 * flight: another attempt with it (one that took over a stale lock) completed or released it first. The UPDATE
 * locks the row until commit, so of two such attempts only one can complete the key.
 */
export async function complete(db: Db, ref: KeyRef, response: StoredResponse): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set({
      status_code: response.statusCode,
      response_headers: JSON.stringify(response.headers),
      response_body: response.body,
    })
    .where('principal', '=', ref.principal)
    .where('key', '=', ref.key)
    .where('status_code', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Forgets an in-flight key whose request failed transiently (5xx, 429), so that a retry runs again. */
export async function release(db: Db, ref: KeyRef): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('principal', '=', ref.principal)
    .where('key', '=', ref.key)
    .where('status_code', 'is', null)
    .execute();
}

/** Deletes expired records in batches; returns how many. */
export async function deleteExpired(db: Db, batchSize = 1_000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          eb.refTuple('principal', 'key'),
          'in',
          eb
            .selectFrom('idempotency_keys')
            .select(['principal', 'key'])
            .where(sql<boolean>`expires_at < now()`)
            .limit(batchSize)
            .$asTuple('principal', 'key'),
        ),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
