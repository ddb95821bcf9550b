import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../lib/redis.ts';
import {
  type DeadLetter,
  type DeliveryHandler,
  type EventTransport,
  PoisonMessageError,
  type Subscription,
  type TransportHooks,
} from './transport.ts';

type Entry = { id: string; eventId: string; raw: string };

export type InProcessOptions = {
  maxLen: number;
  maxAttempts: number;
  /** Delay before a failed delivery is tried again. */
  retryDelayMs: number;
  hooks?: TransportHooks;
};

function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/**
 * The bus used when REDIS_URL is unset (development, tests): the same semantics as the Redis transport (a log
 * with stream-like ids, one ordered queue per consumer group, retries, dead letters, replay) inside this process.
 * It is not durable: events are safe in the outbox until published, but a published event not yet consumed is
 * lost if the process dies. Use Redis in production.
 */
export class InProcessBus implements EventTransport {
  readonly kind = 'in-process' as const;
  private readonly options: InProcessOptions;
  private readonly log: Entry[] = [];
  private readonly dead: DeadLetter[] = [];
  private readonly groups = new Map<string, { enqueue(entry: Entry): void; close(): Promise<void> }>();
  private lastMs = 0;
  private seq = 0;

  constructor(options: InProcessOptions) {
    this.options = options;
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq++;
    }
    return `${this.lastMs}-${this.seq}`;
  }

  publish(eventId: string, _type: string, raw: string): Promise<string> {
    const entry = { id: this.nextId(), eventId, raw };
    this.log.push(entry);
    if (this.log.length > this.options.maxLen) this.log.splice(0, this.log.length - this.options.maxLen);
    for (const group of this.groups.values()) group.enqueue(entry);
    return Promise.resolve(entry.id);
  }

  subscribe(group: string, handler: DeliveryHandler): Promise<Subscription> {
    if (this.groups.has(group)) throw new Error(`consumer group ${group} is already subscribed`);
    const queue: Entry[] = [...this.log];
    let stopped = false;
    let wake: (() => void) | undefined;
    const run = async (): Promise<void> => {
      while (!stopped) {
        const entry = queue.shift();
        if (entry === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        await this.deliver(group, handler, entry, () => stopped);
      }
    };
    const loop = run();
    const subscription = {
      enqueue: (entry: Entry) => {
        queue.push(entry);
        wake?.();
      },
      close: async () => {
        stopped = true;
        wake?.();
        await loop;
        this.groups.delete(group);
      },
    };
    this.groups.set(group, subscription);
    return Promise.resolve({ close: subscription.close });
  }

  private async deliver(group: string, handler: DeliveryHandler, entry: Entry, isStopped: () => boolean) {
    for (let attempt = 1; ; attempt++) {
      try {
        await handler({ id: entry.id, raw: entry.raw, attempt });
        return;
      } catch (error) {
        this.options.hooks?.onFailure?.(group, error);
        if (error instanceof PoisonMessageError || attempt >= this.options.maxAttempts) {
          this.dead.push({
            id: this.nextId(),
            eventId: entry.eventId,
            group,
            deliveries: attempt,
            error: errorMessage(error),
            raw: entry.raw,
          });
          this.options.hooks?.onDeadLetter?.(group, errorMessage(error));
          return;
        }
        if (isStopped()) return;
        await sleep(this.options.retryDelayMs);
      }
    }
  }

  replay(group: string, from: Date | string): Promise<void> {
    const subscription = this.groups.get(group);
    if (subscription === undefined) throw new Error(`consumer group ${group} is not subscribed`);
    // As with Redis: a time means from that millisecond on, an id means the entries after it.
    const replayed =
      typeof from === 'string'
        ? this.log.filter((entry) => compareIds(entry.id, from) > 0)
        : this.log.filter((entry) => compareIds(entry.id, `${from.getTime()}-0`) >= 0);
    for (const entry of replayed) subscription.enqueue(entry);
    return Promise.resolve();
  }

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return Promise.resolve(this.dead.slice(0, limit));
  }

  async close(): Promise<void> {
    await Promise.all([...this.groups.values()].map((group) => group.close()));
  }
}
