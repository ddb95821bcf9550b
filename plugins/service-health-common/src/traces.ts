/*
 * One trace model that every trace source (the embedded OTLP receiver, Jaeger,
 * Tempo) is converted into. Times are epoch milliseconds with fractions, so a
 * waterfall keeps microsecond precision.
 */

/** @public */
export type SpanKind =
  | 'internal'
  | 'server'
  | 'client'
  | 'producer'
  | 'consumer';

/** @public */
export type SpanStatusCode = 'unset' | 'ok' | 'error';

/** @public */
export type AttributeValue =
  | string
  | number
  | boolean
  | Array<string | number | boolean>;

/** @public */
export interface SpanEvent {
  name: string;
  /** Epoch milliseconds. */
  time: number;
  attributes: Record<string, AttributeValue>;
}

/**
 * A link from a span to another span, usually of another trace: e.g. a
 * message consumer to the producer that sent the message, a batch to the
 * requests it handles (OTLP `Span.links`, Jaeger references other than the
 * parent).
 *
 * @public
 */
export interface SpanLink {
  traceId: string;
  spanId: string;
  /** W3C trace state of the linked span, when sent. */
  traceState?: string;
  attributes: Record<string, AttributeValue>;
}

/** @public */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  serviceName: string;
  /** The span name, e.g. `GET /v1/items/:id` or `pg.query:SELECT`. */
  operation: string;
  kind: SpanKind;
  status: SpanStatusCode;
  statusMessage?: string;
  /** Epoch milliseconds. */
  startTime: number;
  durationMs: number;
  attributes: Record<string, AttributeValue>;
  events: SpanEvent[];
  /** Links to other spans; absent when the span has none. */
  links?: SpanLink[];
  /**
   * Attributes of the resource that emitted the span (OTLP resource
   * attributes, Jaeger process tags), without `service.name`. Optional:
   * added for the trace sources; absent when the source has none.
   */
  resource?: Record<string, AttributeValue>;
  /** The instrumentation scope (library) that created the span, when known. */
  scope?: { name: string; version?: string };
}

/** What the trace list shows of one trace. @public */
export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootOperation: string;
  startTime: number;
  /**
   * The trace's total span: first span start to last span end, including
   * work that ran after the request answered (e.g. an asynchronous event
   * consumer).
   */
  durationMs: number;
  /**
   * The request's own duration: the root span's. Absent when the source
   * gives only the total (some search APIs).
   */
  rootDurationMs?: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  /** Link to the trace in Jaeger, Tempo or Grafana when configured. */
  deepLink?: string;
}

/** @public */
export interface Trace {
  traceId: string;
  spans: Span[];
  summary: TraceSummary;
}

/** Filters of the recent-traces list. @public */
export interface TraceQuery {
  environment?: string;
  /** ISO times; default: the last hour. */
  from?: string;
  to?: string;
  errorsOnly?: boolean;
  /** Keeps traces whose request (root span) took at least this long. */
  minDurationMs?: number;
  operation?: string;
  limit?: number;
}
