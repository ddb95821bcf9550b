import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis, errorMessage } from '../lib/redis.ts';
import {
  type DeadLetter,
  type DeliveryHandler,
  type EventTransport,
  PoisonMessageError,
  type Subscription,
  type TransportHooks,
} from './transport.ts';

type Logger = {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
  error(object: object, message: string): void;
};

export type RedisStreamsOptions = {
  url: string;
  /** Stream key; the dead-letter stream is `<stream>:dead-letter`. */
  stream: string;
  maxLen: number;
  maxAttempts: number;
  /** Pending (delivered, unacknowledged) messages idle this long are claimed again with XAUTOCLAIM. */
  claimIdleMs: number;
  blockMs: number;
  batchSize?: number;
  log: Logger;
  hooks?: TransportHooks;
};

type StreamEntry = [id: string, fields: string[]];

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * Redis Streams: XADD to publish (stream capped with MAXLEN ~), consumer groups with XREADGROUP and XACK,
 * XAUTOCLAIM to take over messages left pending by a crashed or failing consumer, and a dead-letter stream for
 * messages delivered `maxAttempts` times or unparsable. Every call fails fast while Redis is down; the loops
 * back off and resume when it is back (re-creating the group if Redis lost it).
 */
export class RedisStreamsTransport implements EventTransport {
  readonly kind = 'redis-streams' as const;
  private readonly options: RedisStreamsOptions;
  private readonly publisher: Redis;
  private readonly deadLetterStream: string;
  private readonly consumerName = `${hostname()}-${process.pid}`;
  private readonly subscriptions = new Set<Subscription>();

  constructor(options: RedisStreamsOptions) {
    this.options = options;
    this.deadLetterStream = `${options.stream}:dead-letter`;
    this.publisher = createRedis(options.url, options.log, 'events:publisher');
  }

  async publish(eventId: string, type: string, raw: string): Promise<string> {
    const { stream, maxLen } = this.options;
    const id = await this.publisher.xadd(
      stream,
      'MAXLEN',
      '~',
      maxLen,
      '*',
      'id',
      eventId,
      'type',
      type,
      'envelope',
      raw,
    );
    if (id === null) throw new Error('XADD returned no id');
    return id;
  }

  async subscribe(group: string, handler: DeliveryHandler): Promise<Subscription> {
    const connection = createRedis(this.options.url, this.options.log, `events:${group}`);
    let stopped = false;
    let processing: Promise<void> = Promise.resolve();
    const loop = this.consume(
      group,
      handler,
      connection,
      () => stopped,
      (p) => {
        processing = p;
      },
    );
    const subscription: Subscription = {
      close: async () => {
        stopped = true;
        await processing;
        connection.disconnect();
        await loop;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return Promise.resolve(subscription);
  }

  private async ensureGroup(connection: Redis, group: string): Promise<void> {
    try {
      // From the start of the stream: a new group (a new consumer) sees every retained event.
      await connection.xgroup('CREATE', this.options.stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!errorMessage(error).startsWith('BUSYGROUP')) throw error;
    }
  }

  private async consume(
    group: string,
    handler: DeliveryHandler,
    connection: Redis,
    isStopped: () => boolean,
    setProcessing: (p: Promise<void>) => void,
  ): Promise<void> {
    const { stream, blockMs, claimIdleMs, log } = this.options;
    const count = this.options.batchSize ?? 50;
    let groupReady = false;
    let nextClaimAt = 0;
    let failures = 0;
    while (!isStopped()) {
      try {
        if (!groupReady) {
          await this.ensureGroup(connection, group);
          groupReady = true;
        }
        if (Date.now() >= nextClaimAt) {
          await this.claimStale(group, handler, connection, isStopped, setProcessing);
          nextClaimAt = Date.now() + Math.max(claimIdleMs / 2, 50);
        }
        const block = Math.min(blockMs, Math.max(nextClaimAt - Date.now(), 10));
        const reply = (await connection.xreadgroup(
          'GROUP',
          group,
          this.consumerName,
          'COUNT',
          count,
          'BLOCK',
          block,
          'STREAMS',
          stream,
          '>',
        )) as [string, StreamEntry[]][] | null;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            if (isStopped()) return;
            const work = this.deliver(group, handler, connection, id, fields, 1);
            setProcessing(work);
            await work;
          }
        }
        failures = 0;
      } catch (error) {
        if (isStopped()) return;
        if (errorMessage(error).startsWith('NOGROUP')) groupReady = false;
        if (failures === 0) log.warn({ err: error, group }, 'event consumer cannot read, retrying');
        failures++;
        await sleep(Math.min(100 * 2 ** Math.min(failures, 5), 2_000));
      }
    }
  }

  /** Takes over messages pending longer than claimIdleMs (this consumer's failed ones, or a dead consumer's). */
  private async claimStale(
    group: string,
    handler: DeliveryHandler,
    connection: Redis,
    isStopped: () => boolean,
    setProcessing: (p: Promise<void>) => void,
  ): Promise<void> {
    const { stream, claimIdleMs, maxAttempts } = this.options;
    let cursor = '0-0';
    for (let round = 0; round < 10 && !isStopped(); round++) {
      const [next, entries] = (await connection.xautoclaim(
        stream,
        group,
        this.consumerName,
        claimIdleMs,
        cursor,
        'COUNT',
        50,
      )) as [string, StreamEntry[], string[]];
      for (const [id, fields] of entries) {
        if (isStopped()) return;
        const pending = (await connection.xpending(stream, group, id, id, 1)) as [
          string,
          string,
          number,
          number,
        ][];
        const deliveries = pending[0]?.[3] ?? maxAttempts + 1;
        const work =
          deliveries > maxAttempts
            ? this.deadLetter(group, connection, id, fields, deliveries, 'delivery attempts exhausted')
            : this.deliver(group, handler, connection, id, fields, deliveries);
        setProcessing(work);
        await work;
      }
      if (next === '0-0') return;
      cursor = next;
    }
  }

  private readonly lastErrors = new Map<string, string>();

  private async deliver(
    group: string,
    handler: DeliveryHandler,
    connection: Redis,
    id: string,
    fields: string[],
    attempt: number,
  ): Promise<void> {
    const raw = field(fields, 'envelope') ?? '';
    try {
      await handler({ id, raw, attempt });
      await connection.xack(this.options.stream, group, id);
      this.lastErrors.delete(`${group}/${id}`);
    } catch (error) {
      this.options.hooks?.onFailure?.(group, error);
      const message = errorMessage(error);
      if (error instanceof PoisonMessageError || attempt >= this.options.maxAttempts) {
        await this.deadLetter(group, connection, id, fields, attempt, message);
      } else {
        // Left pending: XAUTOCLAIM delivers it again after claimIdleMs.
        this.lastErrors.set(`${group}/${id}`, message);
      }
    }
  }

  private async deadLetter(
    group: string,
    connection: Redis,
    id: string,
    fields: string[],
    deliveries: number,
    reason: string,
  ): Promise<void> {
    const error = this.lastErrors.get(`${group}/${id}`) ?? reason;
    this.lastErrors.delete(`${group}/${id}`);
    await connection.xadd(
      this.deadLetterStream,
      'MAXLEN',
      '~',
      this.options.maxLen,
      '*',
      'id',
      field(fields, 'id') ?? '',
      'streamId',
      id,
      'group',
      group,
      'deliveries',
      String(deliveries),
      'error',
      error,
      'envelope',
      field(fields, 'envelope') ?? '',
    );
    await connection.xack(this.options.stream, group, id);
    this.options.hooks?.onDeadLetter?.(group, error);
    this.options.log.error({ group, streamId: id, deliveries, error }, 'event dead-lettered');
  }

  async replay(group: string, from: Date | string): Promise<void> {
    // SETID makes the group deliver again every entry after the given id; a time maps to the ids of that
    // millisecond onwards (stream ids start with the time in ms).
    const id = typeof from === 'string' ? from : `${Math.max(from.getTime() - 1, 0)}-18446744073709551615`;
    await this.publisher.xgroup('SETID', this.options.stream, group, id);
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const entries = (await this.publisher.xrange(
      this.deadLetterStream,
      '-',
      '+',
      'COUNT',
      limit,
    )) as StreamEntry[];
    return entries.map(([id, fields]) => ({
      id,
      eventId: field(fields, 'id') ?? '',
      group: field(fields, 'group') ?? '',
      deliveries: Number(field(fields, 'deliveries') ?? 0),
      error: field(fields, 'error') ?? '',
      raw: field(fields, 'envelope') ?? '',
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await closeRedis(this.publisher);
  }
}
