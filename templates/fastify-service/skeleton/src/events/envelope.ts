import { type SpanContext, TraceFlags, context, trace } from '@opentelemetry/api';
import Type, { type Static } from 'typebox';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Every event travels in this envelope (close to CloudEvents): `id` is the de-duplication key, `type` and
 * `version` select the data schema, `traceparent` carries the producer's W3C trace context to the consumer.
 */
export const EventEnvelope = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
    type: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.Integer({ minimum: 1 }),
    occurredAt: Type.String({ minLength: 20, maxLength: 40 }),
    source: Type.String({ minLength: 1 }),
    traceparent: Type.Optional(Type.String({ pattern: TRACEPARENT.source })),
    tracestate: Type.Optional(Type.String({ maxLength: 512 })),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);
export type EventEnvelope<Data = unknown> = Omit<Static<typeof EventEnvelope>, 'data'> & { data: Data };

/** The W3C trace context of the active span, if any (works with or without a registered propagator). */
export function currentTraceContext(): { traceparent?: string; tracestate?: string } {
  const span = trace.getSpanContext(context.active());
  if (span === undefined || !trace.isSpanContextValid(span)) return {};
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const tracestate = span.traceState?.serialize();
  return {
    traceparent: `00-${span.traceId}-${span.spanId}-${flags}`,
    ...(tracestate ? { tracestate } : {}),
  };
}

/** The producer's span context from an envelope's traceparent, as a remote parent for the consumer span. */
export function parentSpanContext(envelope: Pick<EventEnvelope, 'traceparent'>): SpanContext | undefined {
  const match = envelope.traceparent === undefined ? null : TRACEPARENT.exec(envelope.traceparent);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: Number.parseInt(match[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}
