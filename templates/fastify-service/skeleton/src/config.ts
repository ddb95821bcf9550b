import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * Environment variables, validated once at start-up. Everything else reads this typed object, never
 * process.env, so a misconfiguration fails fast with the name of the variable instead of deep in a request.
 */
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false')]);

const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** Comma-separated origins allowed by CORS; empty means no cross-origin access. */
  CORS_ORIGINS: Type.String({ default: '' }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Upper bound for receiving a whole request (slowloris protection). */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  /** Longer than the load balancer's idle timeout, so the balancer closes idle connections first. */
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 72_000 }),
  /** OpenAPI UI at /docs; off in production unless set to true. */
  DOCS_ENABLED: Type.Optional(Bool),
  /** After SIGTERM: how long /ready reports failure before the server stops accepting (lets balancers notice). */
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, default: 5_000 }),
  /** After SIGTERM: the most time in-flight requests, telemetry flush and pool close may take. */
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 25_000 }),
  /**
   * The deploy's identity (an image tag or git SHA), reported as health+json `releaseId`: the portal marks a
   * deploy on the Health tab's charts when it changes. Set by the deployment (deploy/k8s/deployment.yaml).
   */
  RELEASE_ID: Type.Optional(Type.String({ maxLength: 128 })),
  /** Redis: shared rate-limit counters (and, with events, the event streams). Unset: in-process instead. */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Prefix of every Redis key and stream the service writes; empty means `<service name>:`. */
  REDIS_KEY_PREFIX: Type.String({ default: '' }),
  /** Requests per client (IP) and window; routes may override it with `config.rateLimit`. */
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 100 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1, default: 60_000 }),
  /** The example outbound dependency (src/clients/pricing.ts); unset leaves the client out. */
  PRICING_API_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  PRICING_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2_000 }),
  /** Retries after the first attempt, with jittered exponential backoff. */
  PRICING_RETRIES: Type.Integer({ minimum: 0, default: 2 }),
  /** Consecutive failures that open the circuit, and how long it stays open before a trial call. */
  PRICING_BREAKER_THRESHOLD: Type.Integer({ minimum: 1, default: 5 }),
  PRICING_BREAKER_HALF_OPEN_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  // #region feature:database
  /** PostgreSQL connection string. Unset: an embedded PGlite database (see PGLITE_DATA_DIR). */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PGlite data directory when DATABASE_URL is unset; empty keeps the data in memory. */
  PGLITE_DATA_DIR: Type.String({ default: '' }),
  /**
   * Connections per process, not the HTTP concurrency: requests beyond it wait in the pool's FIFO queue. More
   * connections only add database backends competing for CPU (GET /v1/items/:id at 100 concurrent requests: 30 was
   * no faster than 10 and had a worse p99; 5 was no worse than 10).
   */
  DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  DB_POOL_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  /** Longest wait for a pooled connection (a new one, or a free one when all are busy); then 503. */
  DB_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5_000 }),
  /** Server-side limit of one statement (PostgreSQL cancels it). */
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 4_000 }),
  /**
   * Client-side limit of one query, for a server that cannot answer at all (stalled, partitioned), where
   * statement_timeout never fires; then 503. Keep it above DB_STATEMENT_TIMEOUT_MS.
   */
  DB_QUERY_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5_000 }),
  /** Connection attempts at start-up (with exponential backoff) before giving up. */
  DB_CONNECT_RETRIES: Type.Integer({ minimum: 0, default: 5 }),
  /** Run pending migrations on start; defaults to true outside production (use `npm run migrate` there). */
  MIGRATE_ON_START: Type.Optional(Bool),
  /** Idempotency-Key records: how long a stored response is replayed, and when an unfinished one is abandoned. */
  IDEMPOTENCY_TTL_S: Type.Integer({ minimum: 60, default: 86_400 }),
  IDEMPOTENCY_LOCK_TIMEOUT_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  IDEMPOTENCY_CLEANUP_INTERVAL_MS: Type.Integer({ minimum: 1_000, default: 600_000 }),
  // #endregion feature:database
  // #region feature:events
  /** Outbox relay: how often it polls for unpublished events, how many per batch, how long published rows stay. */
  OUTBOX_POLL_INTERVAL_MS: Type.Integer({ minimum: 10, default: 250 }),
  OUTBOX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1_000, default: 100 }),
  OUTBOX_RETENTION_HOURS: Type.Integer({ minimum: 0, default: 168 }),
  /** Redis stream name (after REDIS_KEY_PREFIX) and its approximate maximum length. */
  EVENTS_STREAM: Type.String({ minLength: 1, default: 'events' }),
  EVENTS_STREAM_MAXLEN: Type.Integer({ minimum: 1_000, default: 1_000_000 }),
  /** Deliveries of one event to a consumer group before it goes to the dead-letter stream. */
  EVENTS_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 5 }),
  /** A delivered but unacknowledged event idle this long is claimed again (XAUTOCLAIM). */
  EVENTS_CLAIM_IDLE_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  EVENTS_BLOCK_MS: Type.Integer({ minimum: 10, default: 2_000 }),
  /** Run the consumers in this process (set false to run the API and the workers as separate deployments). */
  EVENTS_CONSUMERS_ENABLED: Type.Optional(Bool),
  // #endregion feature:events
  // #region feature:auth
  /** HS256 shared secret (local and test use). Unset outside production: a built-in development secret. */
  AUTH_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** JWKS URL of the identity provider (RS256/ES256); takes precedence over AUTH_JWT_SECRET. */
  AUTH_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  AUTH_ISSUER: Type.String({ minLength: 1, default: 'http://localhost/dev-issuer' }),
  /** Expected `aud`; empty means the service name. */
  AUTH_AUDIENCE: Type.String({ default: '' }),
  /** Tolerated clock difference for exp/nbf/iat, bounded to 5 minutes. */
  AUTH_CLOCK_SKEW_S: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
  /** Claim holding the roles (a dotted path such as `realm_access.roles`; an array or a space-separated string). */
  AUTH_ROLES_CLAIM: Type.String({ minLength: 1, default: 'roles' }),
  // #endregion feature:auth
});

type Env = Static<typeof EnvSchema>;

/** Variables holding secrets: outside development and test they must not keep the `.env.example` placeholder. */
const SECRET_KEYS: (keyof Env)[] = [
  // Connection URLs can carry passwords.
  'REDIS_URL',
  // #region feature:database
  'DATABASE_URL',
  // #endregion feature:database
  // #region feature:auth
  'AUTH_JWT_SECRET',
  // #endregion feature:auth
];
const PLACEHOLDER = 'change-me';

export type Config = Omit<Env, 'DOCS_ENABLED' | 'MIGRATE_ON_START'> & {
  DOCS_ENABLED: boolean;
  // #region feature:database
  MIGRATE_ON_START: boolean;
  // #endregion feature:database
  serviceName: string;
  serviceVersion: string;
  serviceDescription: string;
  releaseId?: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  description?: string;
};

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Only the variables the schema knows, with empty strings treated as unset.
  const raw: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const env = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw));
  const errors = Value.Errors(EnvSchema, env);
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const name = error.instancePath.replace(/^\//, '');
      return `  ${name}: ${error.message} (got ${JSON.stringify(raw[name] ?? null)})`;
    });
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const valid = env as Env;
  if (valid.NODE_ENV === 'production') {
    const placeholders = SECRET_KEYS.filter((key) => String(valid[key] ?? '').includes(PLACEHOLDER));
    if (placeholders.length > 0) {
      throw new ConfigError(`Invalid environment:\n  ${placeholders.join(', ')}: still the example value`);
    }
  }
  const notProduction = valid.NODE_ENV !== 'production';
  return {
    ...valid,
    DOCS_ENABLED: valid.DOCS_ENABLED === undefined ? notProduction : valid.DOCS_ENABLED === 'true',
    // #region feature:database
    MIGRATE_ON_START:
      valid.MIGRATE_ON_START === undefined ? notProduction : valid.MIGRATE_ON_START === 'true',
    // #endregion feature:database
    serviceName: source.OTEL_SERVICE_NAME ?? packageJson.name,
    serviceVersion: packageJson.version,
    serviceDescription: packageJson.description ?? '',
    ...(valid.RELEASE_ID ? { releaseId: valid.RELEASE_ID } : {}),
  };
}
