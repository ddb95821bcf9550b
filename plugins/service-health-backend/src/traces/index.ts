import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import express from 'express';
import type { Knex } from 'knex';
import {
  DEFAULT_RETENTION,
  EmbeddedTraceSource,
  SPANS_TABLE,
  applyTraceMigrations,
} from './EmbeddedTraceSource';
import { DEFAULT_UPSTREAM_LIMITS, UpstreamHttpOptions } from './http';
import { JaegerTraceSource } from './JaegerTraceSource';
import { createOtlpReceiverRouter } from './receiver';
import { TempoTraceSource } from './TempoTraceSource';
import type { TraceSource } from './types';

export type { ServiceTarget, TraceListQuery, TraceSource } from './types';
export { TraceSourceUnavailableError } from './types';
export {
  EmbeddedTraceSource,
  applyTraceMigrations,
} from './EmbeddedTraceSource';
export { JaegerTraceSource } from './JaegerTraceSource';
export { TempoTraceSource } from './TempoTraceSource';
export { createOtlpReceiverRouter } from './receiver';

/** The trace sources of the plugin and the OTLP receiver route. @public */
export interface TraceSources {
  /** Every configured source by id (`embedded`, `jaeger`, `tempo`). */
  sources: Map<string, TraceSource>;
  /** `serviceHealth.traces.source`, default `embedded`. */
  defaultSourceId: string;
  /**
   * The OTLP/HTTP receiver (`POST /v1/traces`). Mount it at `/otlp` of the
   * plugin router, before any body parser, and allow unauthenticated access to
   * that path in the httpRouter's auth policy: the receiver checks its own
   * bearer tokens. Answers 404 when the embedded source is not configured.
   */
  otlpRouter: express.Router;
  /** Stops the retention timer. */
  close?(): Promise<void>;
}

function positive(
  value: number | undefined,
  key: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`serviceHealth.traces.${key} must be a positive number`);
  }
  return value;
}

/** `serviceHealth.traces.<id>.<key>`: one of `values`, the first by default. */
function oneOf<T extends string>(
  config: Config,
  id: string,
  key: string,
  values: readonly [T, ...T[]],
): T {
  const value = config.getOptionalString(key) ?? values[0];
  if (!(values as readonly string[]).includes(value)) {
    throw new Error(
      `serviceHealth.traces.${id}.${key} must be ${values.join(' or ')}`,
    );
  }
  return value as T;
}

/**
 * Builds the remote trace source (Jaeger, Tempo) configured at
 * `serviceHealth.traces.<id>`; undefined when it is not configured. `read`
 * gives the source's own settings and extra request headers; the settings
 * every remote source has are read here: its `timeoutMs` over the common
 * limits, and its `token` as a bearer token.
 */
function remoteTraceSource<O extends object>(
  traces: Config | undefined,
  id: string,
  limits: Omit<UpstreamHttpOptions, 'sourceId' | 'headers'>,
  read: (config: Config) => { settings: O; headers?: Record<string, string> },
  create: (
    settings: O & { http: Omit<UpstreamHttpOptions, 'sourceId'> },
  ) => TraceSource,
): TraceSource | undefined {
  const config = traces?.getOptionalConfig(id);
  if (!config) return undefined;
  const { settings, headers } = read(config);
  const timeoutMs = config.getOptionalNumber('timeoutMs') ?? limits.timeoutMs;
  const token = config.getOptionalString('token');
  return create({
    ...settings,
    http: {
      ...limits,
      timeoutMs,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    },
  });
}

/**
 * Reads `serviceHealth.traces` and builds the trace sources.
 *
 * The embedded store needs the migration in `migrations/20261122000200_traces.js`:
 * when its table is missing (the plugin has not run its migrations yet) it is
 * applied here.
 *
 * @public
 */
export async function createTraceSources(options: {
  config: Config;
  database: Knex;
  logger: LoggerService;
}): Promise<TraceSources> {
  const { config, database, logger } = options;
  const c = config.getOptionalConfig('serviceHealth.traces');
  const defaultSourceId = c?.getOptionalString('source') ?? 'embedded';
  if (!['embedded', 'jaeger', 'tempo'].includes(defaultSourceId)) {
    throw new Error(
      `serviceHealth.traces.source must be embedded, jaeger or tempo, not "${defaultSourceId}"`,
    );
  }
  const http = {
    timeoutMs: positive(
      c?.getOptionalNumber('http.timeoutMs'),
      'http.timeoutMs',
      DEFAULT_UPSTREAM_LIMITS.timeoutMs,
    ),
    maxResponseBytes: positive(
      c?.getOptionalNumber('http.maxResponseBytes'),
      'http.maxResponseBytes',
      DEFAULT_UPSTREAM_LIMITS.maxResponseBytes,
    ),
    maxRedirects:
      c?.getOptionalNumber('http.maxRedirects') ??
      DEFAULT_UPSTREAM_LIMITS.maxRedirects,
  };

  const sources = new Map<string, TraceSource>();
  const closers: Array<() => Promise<void>> = [];

  // The embedded store is always available (it is also the default).
  const embedded = new EmbeddedTraceSource({
    knex: database,
    logger,
    environments: (
      config.getOptionalConfigArray('serviceHealth.environments') ?? []
    ).map(e => e.getString('name')),
    retention: {
      maxSpans: positive(
        c?.getOptionalNumber('retention.maxSpans'),
        'retention.maxSpans',
        DEFAULT_RETENTION.maxSpans,
      ),
      maxAgeHours: positive(
        c?.getOptionalNumber('retention.maxAgeHours'),
        'retention.maxAgeHours',
        DEFAULT_RETENTION.maxAgeHours,
      ),
    },
  });
  if (!(await database.schema.hasTable(SPANS_TABLE))) {
    await applyTraceMigrations(database);
  }
  embedded.startPruning(
    positive(
      c?.getOptionalNumber('retention.pruneIntervalSeconds'),
      'retention.pruneIntervalSeconds',
      60,
    ) * 1000,
  );
  closers.push(async () => embedded.stopPruning());
  sources.set(embedded.id, embedded);

  const receiverConfig = c?.getOptionalConfig('receiver');
  const receiverEnabled = receiverConfig?.getOptionalBoolean('enabled') ?? true;
  const tokens = receiverConfig?.getOptionalStringArray('tokens') ?? [];
  const allowUnauthenticated =
    receiverConfig?.getOptionalBoolean('allowUnauthenticated') ?? false;
  if (receiverEnabled && !allowUnauthenticated && tokens.length === 0) {
    logger.warn(
      'The OTLP receiver has no tokens (serviceHealth.traces.receiver.tokens) and is not opened (allowUnauthenticated): every export will get 401',
    );
  }
  if (allowUnauthenticated) {
    logger.info('The OTLP receiver accepts exports without a token');
  }
  const otlpRouter = receiverEnabled
    ? createOtlpReceiverRouter({
        store: spans => embedded.store(spans),
        logger,
        tokens,
        allowUnauthenticated,
        maxBodyBytes: positive(
          receiverConfig?.getOptionalNumber('maxBodyBytes'),
          'receiver.maxBodyBytes',
          4 * 1024 * 1024,
        ),
      })
    : express.Router();

  const jaeger = remoteTraceSource(
    c,
    'jaeger',
    http,
    sourceConfig => ({
      settings: {
        apiVersion: oneOf(sourceConfig, 'jaeger', 'apiVersion', ['v1', 'v2']),
        baseUrl: sourceConfig.getString('baseUrl'),
        uiUrl: sourceConfig.getOptionalString('uiUrl'),
      },
    }),
    settings => new JaegerTraceSource(settings),
  );
  if (jaeger) sources.set(jaeger.id, jaeger);

  const tempo = remoteTraceSource(
    c,
    'tempo',
    http,
    sourceConfig => ({
      settings: {
        search: oneOf(sourceConfig, 'tempo', 'search', ['traceql', 'tags']),
        baseUrl: sourceConfig.getString('baseUrl'),
        grafanaUrl: sourceConfig.getOptionalString('grafanaUrl'),
        datasourceUid: sourceConfig.getOptionalString('datasourceUid'),
        grafanaOrgId: sourceConfig.getOptionalNumber('grafanaOrgId'),
      },
      headers: sourceConfig.getOptionalString('tenant')
        ? { 'X-Scope-OrgID': sourceConfig.getString('tenant') }
        : undefined,
    }),
    settings => new TempoTraceSource(settings),
  );
  if (tempo) sources.set(tempo.id, tempo);

  if (!sources.has(defaultSourceId)) {
    throw new Error(
      `serviceHealth.traces.source is "${defaultSourceId}" but serviceHealth.traces.${defaultSourceId} is not configured`,
    );
  }

  return {
    sources,
    defaultSourceId,
    otlpRouter,
    async close() {
      for (const close of closers) await close();
    },
  };
}
