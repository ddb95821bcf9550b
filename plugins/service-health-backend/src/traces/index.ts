import type { LoggerService } from '@backstage/backend-plugin-api';
import express from 'express';
import type { Knex } from 'knex';
import type { ServiceHealthConfig } from '../config';
import { EmbeddedTraceSource } from './EmbeddedTraceSource';
import { JaegerTraceSource } from './JaegerTraceSource';
import { createOtlpReceiverRouter } from './receiver';
import { TempoTraceSource } from './TempoTraceSource';
import type { TraceSource } from './types';

export type { ServiceTarget, TraceListQuery, TraceSource } from './types';
export { TraceSourceUnavailableError } from './types';
export { EmbeddedTraceSource } from './EmbeddedTraceSource';
export { JaegerTraceSource } from './JaegerTraceSource';
export { TempoTraceSource } from './TempoTraceSource';
export { createOtlpReceiverRouter } from './receiver';

/** The trace sources of the plugin and the OTLP receiver route. @public */
export interface TraceSources {
  /** Every configured source by id (`embedded`, `jaeger`, `tempo`). */
  sources: Map<string, TraceSource>;
  /** `serviceHealth.traces.source`, default `embedded`. */
  defaultSourceId: string;
  /** The embedded store (always there; its pruning is a scheduled task of the plugin). */
  embedded: EmbeddedTraceSource;
  /**
   * The OTLP/HTTP receiver (`POST /v1/traces`). Mount it at `/otlp` of the
   * plugin router, before any body parser, and allow unauthenticated access to
   * that path in the httpRouter's auth policy: the receiver checks its own
   * bearer tokens. Answers 404 when the embedded source is not configured.
   */
  otlpRouter: express.Router;
}

/**
 * Builds the trace sources from the settings read by `readServiceHealthConfig`.
 * The embedded store's table comes from the plugin's migrations
 * (`migrations/20261122000200_traces.js`), run with the others at start-up
 * unless `backend.database.migrations.skip` is set.
 *
 * @public
 */
export function createTraceSources(options: {
  settings: Pick<ServiceHealthConfig, 'traces' | 'environments'>;
  database: Knex;
  logger: LoggerService;
}): TraceSources {
  const { settings, database, logger } = options;
  const traces = settings.traces;
  const sources = new Map<string, TraceSource>();

  // The embedded store is always available (it is also the default).
  const embedded = new EmbeddedTraceSource({
    knex: database,
    logger,
    environments: settings.environments.map(e => e.name),
    retention: traces.retention,
  });
  sources.set(embedded.id, embedded);

  const { receiver } = traces;
  if (
    receiver.enabled &&
    !receiver.allowUnauthenticated &&
    receiver.tokens.length === 0
  ) {
    logger.warn(
      'The OTLP receiver has no tokens (serviceHealth.traces.receiver.tokens) and is not opened (allowUnauthenticated): every export will get 401',
    );
  }
  if (receiver.allowUnauthenticated) {
    logger.info('The OTLP receiver accepts exports without a token');
  }
  const otlpRouter = receiver.enabled
    ? createOtlpReceiverRouter({
        store: spans => embedded.store(spans),
        logger,
        tokens: receiver.tokens,
        allowUnauthenticated: receiver.allowUnauthenticated,
        maxBodyBytes: receiver.maxBodyBytes,
      })
    : express.Router();

  if (traces.jaeger) {
    const jaeger = new JaegerTraceSource(traces.jaeger);
    sources.set(jaeger.id, jaeger);
  }
  if (traces.tempo) {
    const tempo = new TempoTraceSource(traces.tempo);
    sources.set(tempo.id, tempo);
  }

  return {
    sources,
    defaultSourceId: traces.defaultSource,
    embedded,
    otlpRouter,
  };
}
