/** A message as delivered by a transport: its transport id and the raw (JSON) envelope. */
export type Delivery = { id: string; raw: string; attempt: number };

/** Resolve to acknowledge; throw to have it delivered again; throw PoisonMessageError to dead-letter at once. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export class PoisonMessageError extends Error {
  override name = 'PoisonMessageError';
}

export type DeadLetter = {
  id: string;
  eventId: string;
  group: string;
  deliveries: number;
  error: string;
  raw: string;
};

export type Subscription = { close(): Promise<void> };

/**
 * Where the outbox relay publishes and consumers subscribe: Redis Streams (REDIS_URL set) or the in-process bus.
 * Both give each consumer group every event at least once, retry failed deliveries and dead-letter an event after
 * `maxAttempts`; effects happen once because consumers de-duplicate by event id.
 */
export interface EventTransport {
  readonly kind: 'redis-streams' | 'in-process';
  /** Publishes a serialized envelope; resolves with the transport's message id once it is durable there. */
  publish(eventId: string, type: string, raw: string): Promise<string>;
  subscribe(group: string, handler: DeliveryHandler): Promise<Subscription>;
  /** Delivers again to `group` every message from a time on, or after a message id. */
  replay(group: string, from: Date | string): Promise<void>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

export type TransportHooks = {
  onDeadLetter?: (group: string, error: string) => void;
  onFailure?: (group: string, error: unknown) => void;
};
