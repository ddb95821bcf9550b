/** PostgreSQL (and PGlite) report constraint violations with a SQLSTATE code and the constraint's name. */
type PgError = { code?: unknown; constraint?: unknown };

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as PgError | null;
  return pgError?.code === '23505' && pgError.constraint === constraint;
}

/** Seconds a client is asked to wait (Retry-After) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_S = 2;

/** Node's socket errors when the database host cannot be reached or drops the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** pg's own errors for a pool or connection that cannot serve (they carry no code). */
const DRIVER_UNAVAILABLE = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /^Query read timeout/i,
  /is not queryable/i,
];

const SQLSTATE = /^[0-9A-Z]{5}$/;

export type DatabaseFailure = { status: 400 | 409 | 503; detail: string; retryAfterS?: number };

const unavailable: DatabaseFailure = {
  status: 503,
  detail: 'The database is unavailable; retry later',
  retryAfterS: DATABASE_RETRY_AFTER_S,
};

/**
 * What a database error means for the client, by SQLSTATE class (and for connection failures, which have no
 * SQLSTATE): the server unreachable, restarting, out of resources, or a query cancelled by the timeouts is 503
 * with Retry-After; bad data (class 22) is 400; a constraint (class 23) is 409; a serialization failure or
 * deadlock (class 40) is worth retrying, 503. The detail is fixed text: driver messages name hosts, tables and
 * values. Anything else stays a 500.
 */
export function databaseFailure(error: unknown): DatabaseFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && SQLSTATE.test(code) && 'severity' in error) {
    switch (code.slice(0, 2)) {
      case '08': // connection exception
      case '53': // insufficient resources
      case '55': // object not in prerequisite state (lock not available)
      case '57': // operator intervention: statement timeout, admin shutdown, cannot connect now
      case '28': // invalid authorization (unknown role, wrong password): the service cannot reach its data
      case '3D': // invalid catalog name (the database does not exist)
        return unavailable;
      case '40': // transaction rollback: serialization failure, deadlock
        return {
          ...unavailable,
          detail: 'The request conflicted with a concurrent one; retry it',
          retryAfterS: 1,
        };
      case '22': // data exception
        return { status: 400, detail: 'The request contains a value the database cannot store' };
      case '23': // integrity constraint violation
        return { status: 409, detail: 'The request conflicts with the current data' };
      default:
        return undefined;
    }
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return unavailable;
  if (typeof message === 'string' && DRIVER_UNAVAILABLE.some((pattern) => pattern.test(message))) {
    return unavailable;
  }
  return undefined;
}
