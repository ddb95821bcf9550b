import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import { errorMessage } from '../lib/redis.ts';
import { newId } from '../lib/uuid.ts';
import { type EventEnvelope, currentTraceContext } from './envelope.ts';
import { type EventData, type EventType, type EventVersion, validateData } from './registry.ts';
import type { EventTransport } from './transport.ts';

/** Identifies this service as the events' `source`; set once at start-up by the events plugin. */
let eventSource = 'unknown';
export function setEventSource(source: string): void {
  eventSource = source;
}

/**
 * Writes an event to the outbox inside the caller's transaction, so that it exists if and only if the state
 * change it describes commits. The data is checked against the registered schema of (type, version) and the
 * active trace context is recorded, so the consumer's span joins the producer's trace.
 */
export async function writeEvent<T extends EventType, V extends EventVersion<T>>(
  trx: Tx,
  type: T,
  version: V,
  data: EventData<T, V>,
): Promise<EventEnvelope<EventData<T, V>>> {
  validateData(type, version, data);
  const envelope: EventEnvelope<EventData<T, V>> = {
    id: newId(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    source: eventSource,
    ...currentTraceContext(),
    data,
  };
  await trx
    .insertInto('outbox')
    .values({ id: envelope.id, type, version, envelope: JSON.stringify(envelope) })
    .execute();
  return envelope;
}

export type RelayOptions = {
  batchSize: number;
  pollIntervalMs: number;
  retentionHours: number;
  log: { warn(object: object, message: string): void; info(object: object, message: string): void };
  onPublished?: (count: number) => void;
  onFailure?: () => void;
};

/**
 * Publishes outbox rows in order. Each batch is locked with FOR UPDATE SKIP LOCKED, so several replicas relay in
 * parallel without publishing a row twice in the normal case; a row is marked published only after the transport
 * accepted it. When the transport fails (Redis down), the batch stops at that row, the rows stay in the outbox and
 * the relay backs off and tries again: nothing is lost. A crash between publish and mark publishes the event again,
 * which consumers absorb by de-duplicating on the event id.
 */
export class OutboxRelay {
  private readonly db: Db;
  private readonly transport: EventTransport;
  private readonly options: RelayOptions;
  private stopped = true;
  private loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private lastCleanup = 0;

  constructor(db: Db, transport: EventTransport, options: RelayOptions) {
    this.db = db;
    this.transport = transport;
    this.options = options;
  }

  /** One pass: publishes up to batchSize rows; returns how many, and whether the transport failed. */
  async publishBatch(): Promise<{ published: number; failed: boolean }> {
    return transaction(this.db, async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'type', 'envelope'])
        .where('published_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .limit(this.options.batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      const published: string[] = [];
      let failure: { id: string; error: string } | undefined;
      for (const row of rows) {
        try {
          await this.transport.publish(row.id, row.type, JSON.stringify(row.envelope));
          published.push(row.id);
        } catch (error) {
          failure = { id: row.id, error: errorMessage(error) };
          break;
        }
      }
      if (published.length > 0) {
        await trx
          .updateTable('outbox')
          .set({ published_at: new Date(), attempts: sql<number>`attempts + 1` })
          .where('id', 'in', published)
          .execute();
        this.options.onPublished?.(published.length);
      }
      if (failure !== undefined) {
        await trx
          .updateTable('outbox')
          .set({ attempts: sql<number>`attempts + 1`, last_error: failure.error })
          .where('id', '=', failure.id)
          .execute();
        this.options.onFailure?.();
      }
      return { published: published.length, failed: failure !== undefined };
    });
  }

  /** Publishes until the outbox is empty (or the transport fails); for tests and shutdown. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, failed } = await this.publishBatch();
      total += published;
      if (failed || published === 0) return total;
    }
  }

  /** Unpublished rows and the age of the oldest, in seconds. */
  async backlog(): Promise<{ pending: number; lagSeconds: number }> {
    const row = await this.db
      .selectFrom('outbox')
      .select([
        sql<string>`count(*)`.as('pending'),
        sql<string | number | null>`extract(epoch from now() - min(created_at))`.as('lag'),
      ])
      .where('published_at', 'is', null)
      .executeTakeFirstOrThrow();
    return { pending: Number(row.pending), lagSeconds: Math.max(Number(row.lag ?? 0), 0) };
  }

  /** Deletes published rows and de-duplication records older than the retention. */
  async cleanup(): Promise<void> {
    const hours = this.options.retentionHours;
    await this.db
      .deleteFrom('outbox')
      .where('published_at', '<', sql<Date>`now() - make_interval(hours => ${hours})`)
      .execute();
    await this.db
      .deleteFrom('processed_events')
      .where('processed_at', '<', sql<Date>`now() - make_interval(hours => ${hours})`)
      .execute();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Polls now instead of at the next interval. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let delay = this.options.pollIntervalMs;
      try {
        const { published, failed } = await this.publishBatch();
        if (failed) {
          failures++;
          delay = Math.min(this.options.pollIntervalMs * 2 ** Math.min(failures, 5), 5_000);
          if (failures === 1)
            this.options.log.warn({}, 'outbox relay cannot publish, events wait in the outbox');
        } else {
          if (failures > 0) this.options.log.info({}, 'outbox relay publishing again');
          failures = 0;
          if (published === this.options.batchSize) delay = 0;
        }
        if (Date.now() - this.lastCleanup > 600_000) {
          this.lastCleanup = Date.now();
          await this.cleanup();
        }
      } catch (error) {
        failures++;
        delay = Math.min(this.options.pollIntervalMs * 2 ** Math.min(failures, 5), 5_000);
        this.options.log.warn({ err: error }, 'outbox relay failed');
      }
      if (delay > 0 && this.running()) {
        const controller = new AbortController();
        this.wakeUp = () => {
          controller.abort();
        };
        await sleep(delay, undefined, { signal: controller.signal }).catch(() => undefined);
        this.wakeUp = undefined;
      }
    }
  }

  private running(): boolean {
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
  }
}
