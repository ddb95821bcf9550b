import { resolvePackagePath } from '@backstage/backend-plugin-api';
import path from 'node:path';
import protobuf from 'protobufjs';

/*
 * OTLP/protobuf support: the official OTLP definitions, vendored from a
 * pinned opentelemetry-proto release in `proto/opentelemetry-proto` (see its
 * README), loaded by protobufjs at first use. Following a newer OTLP release
 * is copying its .proto files there, not waiting for a JS package to keep a
 * decoder.
 *
 * `google.rpc.Status` (the OTLP error body) is not part of those files; it is
 * declared here from its two fields.
 */

type Decoded = Record<string, unknown>;

const PROTO_DIR = ['proto', 'opentelemetry-proto'];
const TRACE_SERVICE =
  'opentelemetry/proto/collector/trace/v1/trace_service.proto';

interface TraceCollectorV1 {
  ExportTraceServiceRequest: protobuf.Type;
  ExportTraceServiceResponse: protobuf.Type;
}

let collector: TraceCollectorV1 | undefined;

function traceCollector(): TraceCollectorV1 {
  if (!collector) {
    const dir = resolvePackagePath(
      '@fastify-backstage/plugin-service-health-backend',
      ...PROTO_DIR,
    );
    const root = new protobuf.Root();
    // The files import each other by their path below the proto root.
    root.resolvePath = (_origin, target) => path.join(dir, target);
    root.loadSync(TRACE_SERVICE);
    const name = 'opentelemetry.proto.collector.trace.v1';
    collector = {
      ExportTraceServiceRequest: root.lookupType(
        `${name}.ExportTraceServiceRequest`,
      ),
      ExportTraceServiceResponse: root.lookupType(
        `${name}.ExportTraceServiceResponse`,
      ),
    };
  }
  return collector;
}

/**
 * A decoded message as a plain object holding only the fields that were sent
 * (a reflected message answers every field, a oneof's unset members included,
 * with its default). 64-bit integers as decimal strings, bytes as bytes.
 */
function plain(type: protobuf.Type, message: protobuf.Message): Decoded {
  return type.toObject(message, { longs: String, defaults: false });
}

/** Decodes an OTLP/protobuf `ExportTraceServiceRequest`; throws on malformed input. */
export function decodeExportTraceRequest(body: Uint8Array): Decoded {
  const type = traceCollector().ExportTraceServiceRequest;
  return plain(type, type.decode(body));
}

/** Encodes an `ExportTraceServiceResponse` (with partial success when spans were rejected). */
export function encodeExportTraceResponse(partialSuccess?: {
  rejectedSpans: number;
  errorMessage: string;
}): Buffer {
  const type = traceCollector().ExportTraceServiceResponse;
  const msg = type.fromObject(partialSuccess ? { partialSuccess } : {});
  return Buffer.from(type.encode(msg).finish());
}

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

/** OTLP/JSON ids are hex; protobufjs' fromObject reads strings for bytes as base64. */
function hexIdsToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hexIdsToBytes);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      ID_FIELDS.has(k) && typeof v === 'string'
        ? Buffer.from(v, 'hex')
        : hexIdsToBytes(v);
  }
  return out;
}

/** Encodes an `ExportTraceServiceRequest` from OTLP/JSON data (tests, fixtures). */
export function encodeExportTraceRequest(
  request: Record<string, unknown>,
): Buffer {
  const type = traceCollector().ExportTraceServiceRequest;
  const message = type.fromObject(
    hexIdsToBytes(request) as Record<string, unknown>,
  );
  return Buffer.from(type.encode(message).finish());
}

let statusType: protobuf.Type | undefined;

/** Encodes a `google.rpc.Status` (OTLP's error response body for protobuf requests). */
export function encodeRpcStatus(code: number, message: string): Buffer {
  if (!statusType) {
    const root = protobuf.Root.fromJSON({
      nested: {
        google: {
          nested: {
            rpc: {
              nested: {
                Status: {
                  fields: {
                    code: { type: 'int32', id: 1 },
                    message: { type: 'string', id: 2 },
                  },
                },
              },
            },
          },
        },
      },
    });
    statusType = root.lookupType('google.rpc.Status');
  }
  return Buffer.from(
    statusType.encode(statusType.create({ code, message })).finish(),
  );
}

/** Decodes a `google.rpc.Status` (tests). */
export function decodeRpcStatus(body: Uint8Array): {
  code: number;
  message: string;
} {
  encodeRpcStatus(0, ''); // initialises the type
  const m = statusType!.decode(body) as unknown as {
    code?: number;
    message?: string;
  };
  return { code: m.code ?? 0, message: m.message ?? '' };
}

/** Decodes an `ExportTraceServiceResponse` (tests). */
export function decodeExportTraceResponse(body: Uint8Array): Decoded {
  const type = traceCollector().ExportTraceServiceResponse;
  return plain(type, type.decode(body));
}
