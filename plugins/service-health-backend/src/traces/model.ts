import type {
  AttributeValue,
  Span,
  SpanKind,
  SpanStatusCode,
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';

/** Limits applied to every converted span, whatever its source. */
export const LIMITS = {
  maxStringLength: 8192,
  maxAttributes: 256,
  maxEvents: 256,
  maxLinks: 128,
  maxOperationLength: 1024,
  maxServiceNameLength: 255,
};

export const UNKNOWN_SERVICE = 'unknown_service';

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Normalises a trace or span id to lower-case hex of `bytes` bytes. Accepts
 * hex (OTLP/JSON, Jaeger; Jaeger and Tempo strip leading zeros, so shorter
 * hex is left-padded), base64 (Tempo's JSON) and raw bytes (protobuf).
 * Returns undefined for an empty or all-zero id, or one that cannot be read.
 */
export function normalizeId(value: unknown, bytes: 8 | 16): string | undefined {
  let hex: string | undefined;
  if (value instanceof Uint8Array) {
    if (value.length !== bytes) return undefined;
    hex = Buffer.from(value).toString('hex');
  } else if (typeof value === 'string' && value.length > 0) {
    if (HEX.test(value) && value.length <= bytes * 2) {
      hex = value.toLowerCase().padStart(bytes * 2, '0');
    } else if (BASE64.test(value)) {
      const buf = Buffer.from(value, 'base64');
      if (buf.length !== bytes) return undefined;
      hex = buf.toString('hex');
    }
  }
  if (!hex || /^0+$/.test(hex)) return undefined;
  return hex;
}

/** A trace id as users may type it: hex, 1–32 characters. */
export function isValidTraceIdInput(traceId: string): boolean {
  return /^[0-9a-fA-F]{1,32}$/.test(traceId);
}

/** The stored form (32 lower-case hex digits) of a trace id as users may type it; undefined when it is not valid. */
export function traceIdForLookup(traceId: string): string | undefined {
  if (!isValidTraceIdInput(traceId)) return undefined;
  return traceId.toLowerCase().padStart(32, '0');
}

/** A minimum duration in Go's time.ParseDuration syntax (`1500us`), as Jaeger and Tempo expect; undefined for none. */
export function minDuration(query: {
  minDurationMs?: number;
}): string | undefined {
  return query.minDurationMs !== undefined && query.minDurationMs > 0
    ? `${Math.round(query.minDurationMs * 1000)}us`
    : undefined;
}

/** The number of traces a list returns: the query's limit, kept within 1..1000. */
export function listLimit(query: { limit: number }): number {
  return Math.max(1, Math.min(query.limit, 1000));
}

/**
 * How many traces to ask an upstream for when its answer is filtered again
 * here (its filters are per span, ours per trace), so `limit` is still reached.
 */
export function overFetchLimit(limit: number): number {
  return Math.min(limit * 5, 1500);
}

export function truncate(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

/** Clamps one attribute value to the model's shape and size limits. */
export function clampValue(v: AttributeValue): AttributeValue {
  if (typeof v === 'string') return truncate(v, LIMITS.maxStringLength);
  if (Array.isArray(v)) {
    return v
      .slice(0, 128)
      .map(x =>
        typeof x === 'string' ? truncate(x, LIMITS.maxStringLength) : x,
      );
  }
  return v;
}

export function limitAttributes(
  attrs: Record<string, AttributeValue>,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  let n = 0;
  for (const [k, v] of Object.entries(attrs)) {
    if (n++ >= LIMITS.maxAttributes) break;
    out[truncate(k, 256)] = clampValue(v);
  }
  return out;
}

/** Converts nanoseconds since the epoch to the model's milliseconds, keeping microseconds. */
export function nanosToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

/** A duration in nanoseconds to milliseconds, truncated to microseconds (as Jaeger does). */
export function durationNanosToMs(ns: bigint): number {
  return ns <= 0n ? 0 : Number(ns / 1000n) / 1000;
}

export function microsToMs(us: number): number {
  return us / 1000;
}

const KINDS: ReadonlySet<string> = new Set([
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
]);

export function parseKindName(v: unknown): SpanKind {
  const s = String(v ?? '').toLowerCase();
  return KINDS.has(s) ? (s as SpanKind) : 'internal';
}

export function parseStatusName(v: unknown): SpanStatusCode {
  const s = String(v ?? '').toLowerCase();
  if (s === 'error') return 'error';
  if (s === 'ok') return 'ok';
  return 'unset';
}

/** Orders spans by start time, then span id, so every source gives the same order. */
export function sortSpans(spans: Span[]): Span[] {
  return spans.sort(
    (a, b) => a.startTime - b.startTime || a.spanId.localeCompare(b.spanId),
  );
}

/**
 * Summarises one trace's spans. The root is the earliest span without a
 * parent, or whose parent is missing from the trace (a partial trace).
 */
export function summarize(
  traceId: string,
  spans: Span[],
  deepLink?: string,
): TraceSummary {
  const ids = new Set(spans.map(s => s.spanId));
  let root: Span | undefined;
  let start = Infinity;
  let end = -Infinity;
  let errorCount = 0;
  const services = new Set<string>();
  for (const s of spans) {
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.startTime + s.durationMs);
    if (s.status === 'error') errorCount++;
    services.add(s.serviceName);
    const isRoot = !s.parentSpanId || !ids.has(s.parentSpanId);
    if (isRoot) {
      const better =
        !root ||
        (!!root.parentSpanId && !s.parentSpanId) ||
        (!root.parentSpanId === !s.parentSpanId &&
          s.startTime < root.startTime);
      if (better) root = s;
    }
  }
  if (spans.length === 0) {
    start = 0;
    end = 0;
  }
  return {
    traceId,
    rootService: root?.serviceName ?? UNKNOWN_SERVICE,
    rootOperation: root?.operation ?? '',
    startTime: start,
    durationMs: Math.round((end - start) * 1000) / 1000,
    ...(root
      ? { rootDurationMs: Math.round(root.durationMs * 1000) / 1000 }
      : {}),
    spanCount: spans.length,
    errorCount,
    services: [...services].sort(),
    ...(deepLink ? { deepLink } : {}),
  };
}

/** Builds traces from a flat list of spans (any order, several traces). */
export function groupTraces(
  spans: Span[],
  deepLink?: (traceId: string) => string | undefined,
): Trace[] {
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) {
    let list = byTrace.get(s.traceId);
    if (!list) {
      list = [];
      byTrace.set(s.traceId, list);
    }
    list.push(s);
  }
  return [...byTrace.entries()].map(([traceId, list]) => {
    // The same span can come twice (a retried export, Tempo's duplicates).
    const unique = [...new Map(list.map(s => [s.spanId, s])).values()];
    sortSpans(unique);
    return {
      traceId,
      spans: unique,
      summary: summarize(traceId, unique, deepLink?.(traceId)),
    };
  });
}

/**
 * Whether a trace is one the target's service took part in (a span of its
 * own). A trace is only ever returned through an entity whose service it
 * involves: the caller's read permission is on the entity, not on the
 * tracing backend, which holds every service's spans (SQL text included).
 */
export function involvesService(trace: Trace, serviceName: string): boolean {
  return trace.spans.some(s => s.serviceName === serviceName);
}

/**
 * The filters every source applies (also after an upstream query, whose
 * semantics can be looser or stricter than ours).
 */
export function matchesQuery(
  trace: Trace,
  serviceName: string,
  query: {
    from: Date;
    to: Date;
    errorsOnly?: boolean;
    minDurationMs?: number;
    operation?: string;
  },
): boolean {
  const from = query.from.getTime();
  const to = query.to.getTime();
  const own = trace.spans.filter(s => s.serviceName === serviceName);
  if (own.length === 0) return false;
  if (!own.some(s => s.startTime >= from && s.startTime <= to)) return false;
  if (query.errorsOnly && trace.summary.errorCount === 0) return false;
  // "Slower than" is about the request (the root span), not the trace's
  // total span, which includes work that ran after the answer.
  if (
    query.minDurationMs !== undefined &&
    requestDurationMs(trace.summary) < query.minDurationMs
  ) {
    return false;
  }
  if (query.operation && !own.some(s => s.operation === query.operation)) {
    return false;
  }
  return true;
}

/** The request's own duration, or the total span when the source lacks it. */
export function requestDurationMs(summary: TraceSummary): number {
  return summary.rootDurationMs ?? summary.durationMs;
}

/** Newest first, then limited. */
export function newestFirst(
  summaries: TraceSummary[],
  limit: number,
): TraceSummary[] {
  return summaries
    .sort(
      (a, b) => b.startTime - a.startTime || (a.traceId < b.traceId ? -1 : 1),
    )
    .slice(0, limit);
}
