import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { type EventConsumer, consumerHandler } from '../../events/consumer.ts';
import { consumers } from '../../events/consumers/index.ts';
import { InProcessBus } from '../../events/in-process.ts';
import { OutboxRelay, setEventSource } from '../../events/outbox.ts';
import { RedisStreamsTransport } from '../../events/redis-streams.ts';
import type { DeadLetter, EventTransport, Subscription } from '../../events/transport.ts';

export type Events = {
  transport: EventTransport;
  relay: OutboxRelay;
  /** Starts a consumer (its name is its consumer group). */
  subscribe(consumer: EventConsumer): Promise<void>;
  /** Publishes everything in the outbox now (tests, tools). */
  flush(): Promise<number>;
  /** Delivers again to a consumer every event from a time on, or after a message id. */
  replay(consumer: string, from: Date | string): Promise<void>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
};

declare module 'fastify' {
  interface FastifyInstance {
    events: Events;
  }
}

/**
 * Events: commands write them to the outbox in their transaction (src/events/outbox.ts `writeEvent`), the relay
 * publishes them to Redis Streams (REDIS_URL) or the in-process bus, and the consumers in src/events/consumers
 * process them once in effect. Metrics: outbox_pending_events, outbox_lag_seconds, outbox_published_total,
 * outbox_publish_failures_total, events_consumed_total, events_failed_total, events_duplicates_total,
 * events_dead_lettered_total.
 */
export default fp(
  async (app) => {
    const { config } = app;
    setEventSource(config.serviceName);
    const registers = [app.metrics];
    const published = new Counter({
      name: 'outbox_published_total',
      help: 'Events published from the outbox',
      registers,
    });
    const publishFailures = new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Failed attempts to publish from the outbox (events stay in the outbox)',
      registers,
    });
    const consumed = new Counter({
      name: 'events_consumed_total',
      help: 'Events processed by a consumer',
      labelNames: ['consumer', 'type'] as const,
      registers,
    });
    const failed = new Counter({
      name: 'events_failed_total',
      help: 'Failed event deliveries (retried, then dead-lettered)',
      labelNames: ['consumer', 'type'] as const,
      registers,
    });
    const duplicates = new Counter({
      name: 'events_duplicates_total',
      help: 'Redelivered events skipped because the consumer had already processed them',
      labelNames: ['consumer'] as const,
      registers,
    });
    const deadLettered = new Counter({
      name: 'events_dead_lettered_total',
      help: 'Events moved to the dead-letter stream',
      labelNames: ['consumer'] as const,
      registers,
    });

    const hooks = {
      onDeadLetter: (group: string) => {
        deadLettered.inc({ consumer: group });
      },
    };
    const transport: EventTransport =
      config.REDIS_URL === undefined
        ? new InProcessBus({
            maxLen: 10_000,
            maxAttempts: config.EVENTS_MAX_ATTEMPTS,
            retryDelayMs: Math.min(config.EVENTS_CLAIM_IDLE_MS, 1_000),
            hooks,
          })
        : new RedisStreamsTransport({
            url: config.REDIS_URL,
            stream: `${app.redisPrefix}${config.EVENTS_STREAM}`,
            maxLen: config.EVENTS_STREAM_MAXLEN,
            maxAttempts: config.EVENTS_MAX_ATTEMPTS,
            claimIdleMs: config.EVENTS_CLAIM_IDLE_MS,
            blockMs: config.EVENTS_BLOCK_MS,
            log: app.log,
            hooks,
          });

    const relay = new OutboxRelay(app.db, transport, {
      batchSize: config.OUTBOX_BATCH_SIZE,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      retentionHours: config.OUTBOX_RETENTION_HOURS,
      log: app.log,
      onPublished: (count) => {
        published.inc(count);
      },
      onFailure: () => {
        publishFailures.inc();
      },
    });

    const backlog = async () =>
      relay.backlog().catch(() => ({ pending: Number.NaN, lagSeconds: Number.NaN }));
    new Gauge({
      name: 'outbox_pending_events',
      help: 'Events in the outbox not yet published',
      registers,
      async collect() {
        this.set((await backlog()).pending);
      },
    });
    new Gauge({
      name: 'outbox_lag_seconds',
      help: 'Age of the oldest unpublished event in the outbox',
      registers,
      async collect() {
        this.set((await backlog()).lagSeconds);
      },
    });

    const subscriptions: Subscription[] = [];
    const consumerHooks = {
      onConsumed: (consumer: string, type: string) => {
        consumed.inc({ consumer, type });
      },
      onDuplicate: (consumer: string) => {
        duplicates.inc({ consumer });
      },
      onFailed: (consumer: string, type: string) => {
        failed.inc({ consumer, type });
      },
    };
    const events: Events = {
      transport,
      relay,
      subscribe: async (consumer) => {
        subscriptions.push(
          await transport.subscribe(
            consumer.name,
            consumerHandler(app.db, consumer, transport.kind, consumerHooks),
          ),
        );
      },
      flush: () => relay.flush(),
      replay: (consumer, from) => transport.replay(consumer, from),
      deadLetters: (limit) => transport.deadLetters(limit),
    };
    app.decorate('events', events);

    app.addHook('onReady', async () => {
      if (config.EVENTS_CONSUMERS_ENABLED !== 'false') {
        for (const consumer of consumers) await events.subscribe(consumer);
      }
      relay.start();
    });
    // Stop before the database closes: the relay and consumers finish what they are doing, nothing is lost.
    app.addHook('preClose', async () => {
      await relay.stop();
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await transport.close();
    });
  },
  { name: 'events', dependencies: ['db', 'redis', 'metrics'] },
);
