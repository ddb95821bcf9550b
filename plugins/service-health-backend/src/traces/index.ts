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
import { DEFAULT_UPSTREAM_LIMITS } from './http';
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

  const jaeger = c?.getOptionalConfig('jaeger');
  if (jaeger) {
    const apiVersion = jaeger.getOptionalString('apiVersion') ?? 'v1';
    if (apiVersion !== 'v1' && apiVersion !== 'v2') {
      throw new Error(
        'serviceHealth.traces.jaeger.apiVersion must be v1 or v2',
      );
    }
    sources.set(
      'jaeger',
      new JaegerTraceSource({
        baseUrl: jaeger.getString('baseUrl'),
        apiVersion,
        uiUrl: jaeger.getOptionalString('uiUrl'),
        http: {
          ...http,
          timeoutMs: jaeger.getOptionalNumber('timeoutMs') ?? http.timeoutMs,
          headers: jaeger.getOptionalString('token')
            ? { authorization: `Bearer ${jaeger.getString('token')}` }
            : undefined,
        },
      }),
    );
  }

  const tempo = c?.getOptionalConfig('tempo');
  if (tempo) {
    const search = tempo.getOptionalString('search') ?? 'traceql';
    if (search !== 'traceql' && search !== 'tags') {
      throw new Error(
        'serviceHealth.traces.tempo.search must be traceql or tags',
      );
    }
    const token = tempo.getOptionalString('token');
    sources.set(
      'tempo',
      new TempoTraceSource({
        baseUrl: tempo.getString('baseUrl'),
        search,
        grafanaUrl: tempo.getOptionalString('grafanaUrl'),
        datasourceUid: tempo.getOptionalString('datasourceUid'),
        grafanaOrgId: tempo.getOptionalNumber('grafanaOrgId'),
        http: {
          ...http,
          timeoutMs: tempo.getOptionalNumber('timeoutMs') ?? http.timeoutMs,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(tempo.getOptionalString('tenant')
              ? { 'X-Scope-OrgID': tempo.getString('tenant') }
              : {}),
          },
        },
      }),
    );
  }

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
