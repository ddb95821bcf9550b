import type {
  AttributeValue,
  Span,
  SpanEvent,
  SpanLink,
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';
import { UpstreamGet, upstreamGet, UpstreamHttpOptions } from './upstream';
import {
  LIMITS,
  UNKNOWN_SERVICE,
  groupTraces,
  involvesService,
  limitAttributes,
  listLimit,
  matchesQuery,
  microsToMs,
  minDuration,
  newestFirst,
  normalizeId,
  overFetchLimit,
  parseKindName,
  parseStatusName,
  traceIdForLookup,
  truncate,
} from './model';
import { convertOtlpTraces } from './otlp';
import {
  ServiceTarget,
  TraceListQuery,
  TraceSource,
  TraceSourceUnavailableError,
} from './types';

/** Jaeger settings (`serviceHealth.traces.jaeger`). */
export interface JaegerOptions {
  /** Base URL of jaeger-query, e.g. `http://jaeger:16686`. */
  baseUrl: string;
  /** `v1`: the UI's `/api/traces` JSON; `v2`: the `/api/v3/traces` OTLP API of Jaeger v2. */
  apiVersion: 'v1' | 'v2';
  /** Base of links to the Jaeger UI (`<uiUrl>/trace/<id>`). */
  uiUrl?: string;
  http: Omit<UpstreamHttpOptions, 'sourceId'>;
}

// Jaeger v1 JSON (the model the Jaeger UI reads: jaeger/model/json)
type JaegerKeyValue = { key: string; type?: string; value: unknown };
type JaegerReference = { refType: string; traceID: string; spanID: string };
type JaegerLog = { timestamp: number; fields: JaegerKeyValue[] };
type JaegerSpan = {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: JaegerReference[] | null;
  startTime: number;
  duration: number;
  tags?: JaegerKeyValue[] | null;
  logs?: JaegerLog[] | null;
  processID?: string;
  process?: { serviceName: string; tags?: JaegerKeyValue[] | null };
};
type JaegerProcess = { serviceName: string; tags?: JaegerKeyValue[] | null };
type JaegerTrace = {
  traceID: string;
  spans: JaegerSpan[];
  processes?: Record<string, JaegerProcess>;
};

/**
 * Tags that the OTLP→Jaeger translation adds to carry OTLP fields; they are
 * turned back into the model's fields and not kept as attributes.
 */
const TRANSLATION_TAGS = new Set([
  'span.kind',
  'otel.status_code',
  'otel.status_description',
  'otel.scope.name',
  'otel.scope.version',
  'otel.library.name',
  'otel.library.version',
  'internal.span.format',
  'w3c.tracestate',
]);

function tagValue(kv: JaegerKeyValue): AttributeValue | undefined {
  const { type, value } = kv;
  switch ((type ?? '').toLowerCase()) {
    case 'bool':
      return value === true || value === 'true';
    case 'int64':
    case 'float64': {
      const n = Number(value);
      return Number.isFinite(n) ? n : String(value);
    }
    case 'binary':
    case 'string':
      return String(value ?? '');
    default:
      if (
        typeof value === 'string' ||
        typeof value === 'number' ||
        typeof value === 'boolean'
      ) {
        return value;
      }
      return value === undefined || value === null
        ? undefined
        : JSON.stringify(value);
  }
}

function tagsToAttributes(
  tags: JaegerKeyValue[] | null | undefined,
  skip?: (key: string) => boolean,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of tags ?? []) {
    if (!kv || typeof kv.key !== 'string' || skip?.(kv.key)) continue;
    const v = tagValue(kv);
    if (v !== undefined) out[kv.key] = v;
  }
  return limitAttributes(out);
}

function findTag(tags: JaegerKeyValue[] | null | undefined, key: string) {
  return (tags ?? []).find(t => t.key === key);
}

/** Converts one Jaeger v1 JSON trace into spans of the common model. */
export function convertJaegerTrace(trace: JaegerTrace): Span[] {
  const spans: Span[] = [];
  for (const js of trace.spans ?? []) {
    const traceId = normalizeId(js.traceID ?? trace.traceID, 16);
    const spanId = normalizeId(js.spanID, 8);
    if (!traceId || !spanId) continue;
    const process =
      js.process ??
      (js.processID ? trace.processes?.[js.processID] : undefined);
    const tags = js.tags ?? [];
    const parentRef =
      (js.references ?? []).find(
        r => r.refType === 'CHILD_OF' && normalizeId(r.traceID, 16) === traceId,
      ) ?? (js.references ?? [])[0];
    const parentSpanId = parentRef
      ? normalizeId(parentRef.spanID, 8)
      : undefined;
    // The other references are links (the OTLP translation writes a span's
    // links as FOLLOWS_FROM references; their attributes are not kept).
    const links: SpanLink[] = [];
    for (const ref of js.references ?? []) {
      if (ref === parentRef || links.length >= LIMITS.maxLinks) continue;
      const linkTraceId = normalizeId(ref.traceID, 16);
      const linkSpanId = normalizeId(ref.spanID, 8);
      if (linkTraceId && linkSpanId) {
        links.push({
          traceId: linkTraceId,
          spanId: linkSpanId,
          attributes: {},
        });
      }
    }

    const statusTag = findTag(tags, 'otel.status_code');
    const errorTag = findTag(tags, 'error');
    let status: Span['status'] = 'unset';
    if (statusTag) {
      status = parseStatusName(statusTag.value);
    } else if (errorTag && tagValue(errorTag) === true) {
      status = 'error';
    }
    const statusMessage = findTag(tags, 'otel.status_description')?.value;
    // The translation adds `error=true` for an error status; a Jaeger-native
    // span may carry `error` alone, which is the status, not an attribute.
    const skip = (key: string) =>
      TRANSLATION_TAGS.has(key) || (key === 'error' && status === 'error');
    const scopeName =
      findTag(tags, 'otel.scope.name')?.value ??
      findTag(tags, 'otel.library.name')?.value;
    const scopeVersion =
      findTag(tags, 'otel.scope.version')?.value ??
      findTag(tags, 'otel.library.version')?.value;

    const events: SpanEvent[] = (js.logs ?? [])
      .slice(0, LIMITS.maxEvents)
      .map(log => {
        const nameField = log.fields?.find(f => f.key === 'event');
        return {
          name: nameField ? String(nameField.value) : '',
          time: microsToMs(Number(log.timestamp)),
          attributes: tagsToAttributes(log.fields, k => k === 'event'),
        };
      });
    const resource = tagsToAttributes(process?.tags, k => k === 'service.name');
    spans.push({
      traceId,
      spanId,
      ...(parentSpanId ? { parentSpanId } : {}),
      serviceName: truncate(
        process?.serviceName || UNKNOWN_SERVICE,
        LIMITS.maxServiceNameLength,
      ),
      operation: truncate(js.operationName ?? '', LIMITS.maxOperationLength),
      kind: parseKindName(findTag(tags, 'span.kind')?.value),
      status,
      ...(statusMessage ? { statusMessage: String(statusMessage) } : {}),
      startTime: microsToMs(Number(js.startTime)),
      durationMs: microsToMs(Number(js.duration)),
      attributes: tagsToAttributes(tags, skip),
      events,
      ...(links.length ? { links } : {}),
      ...(Object.keys(resource).length ? { resource } : {}),
      ...(scopeName
        ? {
            scope: {
              name: String(scopeName),
              ...(scopeVersion ? { version: String(scopeVersion) } : {}),
            },
          }
        : {}),
    });
  }
  return spans;
}

/**
 * Traces from Jaeger: v1 (`/api/traces`, the JSON the Jaeger UI reads) or
 * v2 (`/api/v3/traces`, OTLP JSON in `result`).
 */
export class JaegerTraceSource implements TraceSource {
  readonly id = 'jaeger';
  readonly #options: JaegerOptions;
  readonly #get: UpstreamGet;

  constructor(options: JaegerOptions) {
    this.#options = options;
    this.#get = upstreamGet(this.id, options);
  }

  deepLink(traceId: string): string | undefined {
    const ui = this.#options.uiUrl;
    return ui ? `${ui.replace(/\/+$/, '')}/trace/${traceId}` : undefined;
  }

  async #fetchTraces(
    target: ServiceTarget,
    query: TraceListQuery,
    limit: number,
  ): Promise<Span[]> {
    if (this.#options.apiVersion === 'v2') {
      const body = (await this.#get('/api/v3/traces', {
        'query.service_name': target.serviceName,
        'query.operation_name': query.operation,
        'query.start_time_min': query.from.toISOString(),
        'query.start_time_max': query.to.toISOString(),
        'query.num_traces': String(limit),
        // The v3 API has no tag filter: errorsOnly is applied below.
        'query.duration_min': minDuration(query),
      })) as any;
      return this.#otlpSpans(body);
    }
    const body = (await this.#get('/api/traces', {
      service: target.serviceName,
      operation: query.operation,
      start: String(query.from.getTime() * 1000),
      end: String(query.to.getTime() * 1000),
      limit: String(limit),
      // Jaeger's filters match one span of the service; ours are per trace
      // and applied again afterwards.
      minDuration: minDuration(query),
      tags: query.errorsOnly ? JSON.stringify({ error: 'true' }) : undefined,
    })) as { data?: JaegerTrace[] | null; errors?: unknown } | undefined;
    this.#checkV1Errors(body);
    return (body?.data ?? []).flatMap(t => convertJaegerTrace(t));
  }

  #otlpSpans(body: any): Span[] {
    if (!body) return [];
    if (body.error && !body.result) {
      const code = Number(body.error.httpCode ?? 0);
      if (code === 404) return [];
      throw new TraceSourceUnavailableError(
        this.id,
        `jaeger answered: ${String(body.error.message ?? 'error')}`,
        undefined,
        'http-status',
      );
    }
    return convertOtlpTraces(body.result ?? body).spans;
  }

  #checkV1Errors(body: any) {
    const errors = Array.isArray(body?.errors) ? body.errors : [];
    if (errors.length && !(body?.data?.length > 0)) {
      const notFound = errors.every((e: any) => Number(e?.code) === 404);
      if (!notFound) {
        throw new TraceSourceUnavailableError(
          this.id,
          `jaeger answered: ${errors.map((e: any) => e?.msg).join('; ')}`,
          undefined,
          'http-status',
        );
      }
    }
  }

  async listTraces(
    target: ServiceTarget,
    query: TraceListQuery,
  ): Promise<TraceSummary[]> {
    const limit = listLimit(query);
    // Ask for more when filtering afterwards, so the limit is still reached.
    const filtered = query.errorsOnly || query.minDurationMs !== undefined;
    const spans = await this.#fetchTraces(
      target,
      query,
      filtered ? overFetchLimit(limit) : limit,
    );
    const traces = groupTraces(spans, id => this.deepLink(id)).filter(t =>
      matchesQuery(t, target.serviceName, query),
    );
    return newestFirst(
      traces.map(t => t.summary),
      limit,
    );
  }

  async getTrace(
    target: ServiceTarget,
    traceId: string,
  ): Promise<Trace | undefined> {
    const id = traceIdForLookup(traceId);
    if (id === undefined) return undefined;
    let spans: Span[];
    if (this.#options.apiVersion === 'v2') {
      spans = this.#otlpSpans(await this.#get(`/api/v3/traces/${id}`));
    } else {
      const body = (await this.#get(`/api/traces/${id}`)) as
        | { data?: JaegerTrace[] | null }
        | undefined;
      this.#checkV1Errors(body);
      spans = (body?.data ?? []).flatMap(t => convertJaegerTrace(t));
    }
    const trace = groupTraces(
      spans.filter(s => s.traceId === id),
      tid => this.deepLink(tid),
    )[0];
    // Jaeger looks traces up by id only: another service's trace is not found.
    return trace && involvesService(trace, target.serviceName)
      ? trace
      : undefined;
  }
}
