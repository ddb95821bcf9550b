import type {
  AttributeValue,
  Span,
  SpanEvent,
  SpanLink,
  SpanKind,
  SpanStatusCode,
} from '@fastify-backstage/plugin-service-health-common';
import {
  LIMITS,
  UNKNOWN_SERVICE,
  durationNanosToMs,
  limitAttributes,
  nanosToMs,
  normalizeId,
  truncate,
} from './model';

/*
 * Converts OTLP trace data into the common model. The same code reads
 * OTLP/JSON (the receiver's JSON body, Jaeger's /api/v3 `result`, Tempo's
 * /api/v2 `trace`) and the message objects decoded from OTLP/protobuf by
 * protobufjs (ids as bytes, 64-bit integers as Long): every accessor below
 * accepts both shapes. JSON enums may be integers (the OTLP/JSON spec) or
 * names (Tempo's gogo/jsonpb output); ids hex (OTLP/JSON spec) or base64
 * (Tempo).
 */

type Obj = Record<string, any>;

/** OTLP/JSON uses lowerCamelCase; accept the proto field name too. */
function field(o: Obj | undefined | null, camel: string, snake?: string): any {
  if (!o || typeof o !== 'object') return undefined;
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  return snake ? o[snake] ?? undefined : undefined;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

/** A 64-bit integer as number, string or Long to BigInt; undefined when absent or unreadable. */
export function toBigInt(v: unknown): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') {
      return Number.isFinite(v) ? BigInt(Math.trunc(v)) : undefined;
    }
    if (typeof v === 'string') return v === '' ? undefined : BigInt(v);
    if (typeof v === 'object') {
      // protobufjs decodes 64-bit integers as Long ({ low, high, unsigned }).
      const o = v as { low?: unknown; high?: unknown; unsigned?: boolean };
      if (typeof o.low === 'number' && typeof o.high === 'number') {
        const low = BigInt(o.low >>> 0);
        const high = BigInt(o.unsigned ? o.high >>> 0 : o.high | 0);
        return (high << 32n) + low;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function intToValue(v: unknown): AttributeValue | undefined {
  const b = toBigInt(v);
  if (b === undefined) return undefined;
  if (
    b <= BigInt(Number.MAX_SAFE_INTEGER) &&
    b >= BigInt(Number.MIN_SAFE_INTEGER)
  ) {
    return Number(b);
  }
  return b.toString();
}

function bytesToString(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}

/** Reads an OTLP AnyValue into a JSON-like value (kvlists stay objects here). */
function anyValueRaw(v: Obj | undefined | null): unknown {
  if (!v || typeof v !== 'object') return undefined;
  const s = field(v, 'stringValue', 'string_value');
  if (s !== undefined) return String(s);
  const b = field(v, 'boolValue', 'bool_value');
  if (b !== undefined) return b === true || b === 'true';
  const i = field(v, 'intValue', 'int_value');
  if (i !== undefined) return intToValue(i);
  const d = field(v, 'doubleValue', 'double_value');
  if (d !== undefined) {
    const n = Number(d);
    return Number.isNaN(n) ? String(d) : n;
  }
  const arr = field(v, 'arrayValue', 'array_value');
  if (arr !== undefined) {
    return list(field(arr, 'values')).map(x => anyValueRaw(x));
  }
  const kv = field(v, 'kvlistValue', 'kvlist_value');
  if (kv !== undefined) {
    const out: Record<string, unknown> = {};
    for (const e of list(field(kv, 'values'))) {
      out[String(e.key)] = anyValueRaw(field(e, 'value'));
    }
    return out;
  }
  const by = field(v, 'bytesValue', 'bytes_value');
  if (by !== undefined) return bytesToString(by);
  return undefined;
}

/** The model's attribute values: primitives and arrays of primitives; the rest becomes JSON text. */
export function toAttributeValue(raw: unknown): AttributeValue | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (
    typeof raw === 'string' ||
    typeof raw === 'number' ||
    typeof raw === 'boolean'
  ) {
    return raw;
  }
  if (Array.isArray(raw)) {
    if (
      raw.every(
        x =>
          typeof x === 'string' ||
          typeof x === 'number' ||
          typeof x === 'boolean',
      )
    ) {
      return raw as Array<string | number | boolean>;
    }
    return JSON.stringify(raw);
  }
  return JSON.stringify(raw);
}

export function otlpAttributes(
  attrs: unknown,
  skip?: ReadonlySet<string>,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of list(attrs)) {
    const key = kv?.key;
    if (typeof key !== 'string' || skip?.has(key)) continue;
    const value = toAttributeValue(anyValueRaw(field(kv, 'value')));
    if (value !== undefined) out[key] = value;
  }
  return limitAttributes(out);
}

const KIND_BY_NUMBER: SpanKind[] = [
  'internal', // SPAN_KIND_UNSPECIFIED
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];

export function otlpKind(v: unknown): SpanKind {
  if (typeof v === 'number') return KIND_BY_NUMBER[v] ?? 'internal';
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return KIND_BY_NUMBER[Number(v)] ?? 'internal';
    const name = v.replace(/^SPAN_KIND_/, '').toLowerCase();
    return (KIND_BY_NUMBER as string[]).includes(name)
      ? (name as SpanKind)
      : 'internal';
  }
  return 'internal';
}

export function otlpStatus(v: unknown): SpanStatusCode {
  if (typeof v === 'number') {
    if (v === 2) return 'error';
    if (v === 1) return 'ok';
    return 'unset';
  }
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return otlpStatus(Number(v));
    const name = v.replace(/^STATUS_CODE_/, '').toLowerCase();
    if (name === 'error') return 'error';
    if (name === 'ok') return 'ok';
  }
  return 'unset';
}

/** Resource attributes naming the deployment environment (new and old semantic conventions). */
export const ENVIRONMENT_ATTRIBUTES = [
  'deployment.environment.name',
  'deployment.environment',
];

export function environmentOf(span: Span): string | undefined {
  for (const key of ENVIRONMENT_ATTRIBUTES) {
    const v = span.resource?.[key];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

export interface ConversionResult {
  spans: Span[];
  rejected: number;
  /** Why spans were rejected (first few reasons). */
  problems: string[];
}

const SERVICE_NAME_SKIP: ReadonlySet<string> = new Set(['service.name']);

/**
 * Converts an OTLP `ExportTraceServiceRequest` / `TracesData` (JSON or
 * protobuf-decoded) into spans of the common model. Spans whose ids or
 * start time cannot be read are counted as rejected, not thrown.
 */
export function convertOtlpTraces(data: unknown): ConversionResult {
  const result: ConversionResult = { spans: [], rejected: 0, problems: [] };
  const problem = (msg: string) => {
    result.rejected++;
    if (result.problems.length < 5) result.problems.push(msg);
  };
  if (!data || typeof data !== 'object') return result;
  // Tempo's older API answers `{ batches: [...] }`.
  const resourceSpans = list(
    field(data as Obj, 'resourceSpans', 'resource_spans') ??
      field(data as Obj, 'batches'),
  );
  for (const rs of resourceSpans) {
    const resource = field(rs, 'resource');
    const resourceAttributes = field(resource, 'attributes');
    let serviceName = UNKNOWN_SERVICE;
    for (const kv of list(resourceAttributes)) {
      if (kv?.key === 'service.name') {
        const v = anyValueRaw(field(kv, 'value'));
        if (typeof v === 'string' && v) serviceName = v;
      }
    }
    serviceName = truncate(serviceName, LIMITS.maxServiceNameLength);
    const resourceAttrs = otlpAttributes(resourceAttributes, SERVICE_NAME_SKIP);
    const scopeSpansList = [
      ...list(field(rs, 'scopeSpans', 'scope_spans')),
      ...list(
        field(
          rs,
          'instrumentationLibrarySpans',
          'instrumentation_library_spans',
        ),
      ),
    ];
    for (const ss of scopeSpansList) {
      const scopeObj =
        field(ss, 'scope') ??
        field(ss, 'instrumentationLibrary', 'instrumentation_library');
      const scopeName = field(scopeObj, 'name');
      const scopeVersion = field(scopeObj, 'version');
      for (const raw of list(field(ss, 'spans'))) {
        const traceId = normalizeId(field(raw, 'traceId', 'trace_id'), 16);
        const spanId = normalizeId(field(raw, 'spanId', 'span_id'), 8);
        if (!traceId || !spanId) {
          problem('span with an invalid trace id or span id');
          continue;
        }
        const startNs = toBigInt(
          field(raw, 'startTimeUnixNano', 'start_time_unix_nano'),
        );
        const endNs = toBigInt(
          field(raw, 'endTimeUnixNano', 'end_time_unix_nano'),
        );
        if (startNs === undefined || startNs <= 0n) {
          problem(`span ${spanId} has no start time`);
          continue;
        }
        const parentRaw = field(raw, 'parentSpanId', 'parent_span_id');
        const parentSpanId =
          parentRaw && (parentRaw as any).length !== 0
            ? normalizeId(parentRaw, 8)
            : undefined;
        const status = field(raw, 'status');
        const statusCode = otlpStatus(field(status, 'code'));
        const statusMessage = field(status, 'message');
        const events: SpanEvent[] = list(field(raw, 'events'))
          .slice(0, LIMITS.maxEvents)
          .map(e => ({
            name: truncate(String(field(e, 'name') ?? ''), 1024),
            time: nanosToMs(
              toBigInt(field(e, 'timeUnixNano', 'time_unix_nano')) ?? startNs,
            ),
            attributes: otlpAttributes(field(e, 'attributes')),
          }));
        const links: SpanLink[] = [];
        for (const l of list(field(raw, 'links'))) {
          if (links.length >= LIMITS.maxLinks) break;
          const linkTraceId = normalizeId(field(l, 'traceId', 'trace_id'), 16);
          const linkSpanId = normalizeId(field(l, 'spanId', 'span_id'), 8);
          if (!linkTraceId || !linkSpanId) continue; // nothing to point at
          const traceState = field(l, 'traceState', 'trace_state');
          links.push({
            traceId: linkTraceId,
            spanId: linkSpanId,
            ...(traceState
              ? { traceState: truncate(String(traceState), 512) }
              : {}),
            attributes: otlpAttributes(field(l, 'attributes')),
          });
        }
        const span: Span = {
          traceId,
          spanId,
          ...(parentSpanId ? { parentSpanId } : {}),
          serviceName,
          operation: truncate(
            String(field(raw, 'name') ?? ''),
            LIMITS.maxOperationLength,
          ),
          kind: otlpKind(field(raw, 'kind')),
          status: statusCode,
          ...(statusMessage
            ? { statusMessage: truncate(String(statusMessage), 4096) }
            : {}),
          startTime: nanosToMs(startNs),
          durationMs: durationNanosToMs(
            endNs !== undefined ? endNs - startNs : 0n,
          ),
          attributes: otlpAttributes(field(raw, 'attributes')),
          events,
          ...(links.length ? { links } : {}),
          ...(Object.keys(resourceAttrs).length
            ? { resource: resourceAttrs }
            : {}),
          ...(scopeName
            ? {
                scope: {
                  name: String(scopeName),
                  ...(scopeVersion ? { version: String(scopeVersion) } : {}),
                },
              }
            : {}),
        };
        result.spans.push(span);
      }
    }
  }
  return result;
}
