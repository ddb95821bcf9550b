import type {
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';

/** Which service (and environment) a trace query is about. @public */
export type ServiceTarget = {
  entityRef: string;
  environment: string;
  serviceName: string;
};

/** Filters of {@link TraceSource.listTraces}. @public */
export type TraceListQuery = {
  from: Date;
  to: Date;
  limit: number;
  errorsOnly?: boolean;
  minDurationMs?: number;
  operation?: string;
};

/**
 * A source of traces: the embedded OTLP store, Jaeger, Tempo, or one added by
 * a module. Every source returns the common trace model.
 *
 * Filter semantics (the same for every source): `errorsOnly` keeps traces
 * with at least one span whose status is error; `minDurationMs` keeps traces
 * whose whole duration is at least that long; `operation` keeps traces with a
 * span of the target service with exactly that name. A trace is listed when
 * a span of the target service started inside `[from, to]`. Newest first.
 *
 * @public
 */
export interface TraceSource {
  id: string;
  listTraces(
    target: ServiceTarget,
    query: {
      from: Date;
      to: Date;
      limit: number;
      errorsOnly?: boolean;
      minDurationMs?: number;
      operation?: string;
    },
  ): Promise<TraceSummary[]>;
  getTrace(target: ServiceTarget, traceId: string): Promise<Trace | undefined>;
  /** Link to the trace in the upstream UI, when one is configured. */
  deepLink?(traceId: string): string | undefined;
}

/**
 * The trace source could not be reached (connection refused, timeout, 5xx,
 * unreadable answer). The router maps it to
 * `SourceState.status = 'unreachable'`, which is different from the service
 * being down.
 *
 * @public
 */
export class TraceSourceUnavailableError extends Error {
  readonly name = 'TraceSourceUnavailableError';
  constructor(
    readonly sourceId: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}
