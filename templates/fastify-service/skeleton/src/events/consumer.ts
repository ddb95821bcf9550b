import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Db } from '../db/database.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import { type EventEnvelope, parentSpanContext } from './envelope.ts';
import { InvalidEventError, parseEnvelope, validateData, type EventType } from './registry.ts';
import { type DeliveryHandler, PoisonMessageError } from './transport.ts';

/** A consumer: its name is its consumer group (every replica shares it), `types` the events it wants. */
export type EventConsumer = {
  name: string;
  types: readonly EventType[];
  /** Runs in a transaction with the de-duplication record: its database effects happen once per event. */
  handle(event: EventEnvelope, trx: Tx): Promise<void>;
};

export type ConsumerHooks = {
  onConsumed?: (consumer: string, type: string) => void;
  onDuplicate?: (consumer: string) => void;
  onFailed?: (consumer: string, type: string) => void;
};

const tracer = trace.getTracer('events');

/**
 * Wraps a consumer into a transport handler: parse and validate (an invalid event is poison: dead-lettered at once),
 * skip event types the consumer does not want, then, in one transaction, record (consumer, event id) in
 * processed_events and run the handler. A redelivered event finds its record and is acknowledged without running
 * again; a failed handler rolls back both, so the next delivery retries it. The consumer span is a child of the
 * producer's span (traceparent in the envelope).
 */
export function consumerHandler(
  db: Db,
  consumer: EventConsumer,
  transportKind: string,
  hooks: ConsumerHooks = {},
): DeliveryHandler {
  const wanted = new Set<string>(consumer.types);
  return async (delivery) => {
    let event: EventEnvelope;
    try {
      event = parseEnvelope(delivery.raw);
      if (!wanted.has(event.type)) return;
      validateData(event.type, event.version, event.data);
    } catch (error) {
      if (error instanceof InvalidEventError) throw new PoisonMessageError(error.message);
      throw error;
    }
    const parent = parentSpanContext(event);
    const parentContext = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
    await tracer.startActiveSpan(
      `process ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': transportKind,
          'messaging.operation.type': 'process',
          'messaging.consumer.group.name': consumer.name,
          'messaging.message.id': event.id,
          'messaging.message.delivery_attempt': delivery.attempt,
        },
      },
      parentContext,
      async (span) => {
        try {
          const processed = await transaction(db, async (trx) => {
            const fresh = await trx
              .insertInto('processed_events')
              .values({ consumer: consumer.name, event_id: event.id })
              .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
              .returning('event_id')
              .executeTakeFirst();
            if (fresh === undefined) return false;
            await consumer.handle(event, trx);
            return true;
          });
          if (processed) hooks.onConsumed?.(consumer.name, event.type);
          else hooks.onDuplicate?.(consumer.name);
        } catch (error) {
          hooks.onFailed?.(consumer.name, event.type);
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}
