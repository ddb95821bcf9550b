import protobuf from 'protobufjs';

/*
 * OTLP/protobuf support. The message classes come from
 * `@opentelemetry/otlp-transformer` (pinned to 0.215.0): its
 * `build/src/generated/root` is the protobufjs static module that the
 * OpenTelemetry JS project generated from the official opentelemetry-proto
 * definitions, with encoders and decoders for the trace collector service.
 * Later versions of the package replaced it with a hand-written encoder and
 * export no decoder, so the version is pinned exactly.
 *
 * `google.rpc.Status` (the OTLP error body) is not part of those files; it is
 * declared here from its two fields and encoded by protobufjs.
 */

type Decoded = Record<string, unknown>;

interface MessageType {
  decode(reader: Uint8Array): Decoded;
  encode(message: Decoded): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): Decoded;
  verify?(message: Record<string, unknown>): string | null;
}

interface TraceCollectorV1 {
  ExportTraceServiceRequest: MessageType;
  ExportTraceServiceResponse: MessageType;
}

let collector: TraceCollectorV1 | undefined;

function traceCollector(): TraceCollectorV1 {
  if (!collector) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const root = require('@opentelemetry/otlp-transformer/build/src/generated/root');
    const v1 = root?.opentelemetry?.proto?.collector?.trace?.v1;
    if (!v1?.ExportTraceServiceRequest?.decode) {
      throw new Error(
        'The installed @opentelemetry/otlp-transformer has no OTLP trace protobuf decoder (expected 0.215.0)',
      );
    }
    collector = v1 as TraceCollectorV1;
  }
  return collector;
}

/** Decodes an OTLP/protobuf `ExportTraceServiceRequest`; throws on malformed input. */
export function decodeExportTraceRequest(body: Uint8Array): Decoded {
  return traceCollector().ExportTraceServiceRequest.decode(body);
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
  return traceCollector().ExportTraceServiceResponse.decode(body);
}
