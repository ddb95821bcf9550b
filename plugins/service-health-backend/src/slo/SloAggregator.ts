import { BUCKET_MS, bucketsFromSamples } from './buckets';
import type { SampleStore } from '../database/stores';
import type { SloStore } from './SloStore';

/** A scrape may be stored a little after the time it carries; a bucket closes this long after its end. */
const CLOSE_GRACE_MS = 30_000;
/** Samples read per query while catching up (bounded memory). */
const CHUNK_MS = 6 * 3_600_000;

/**
 * Turns the direct source's scrapes into 5-minute SLO buckets. Runs on a
 * schedule and before each SLO read; only closed buckets are written, each
 * once (a re-run recomputes the same figures from the same samples), so
 * nothing is counted twice. Raw samples live for `metrics.direct.retentionMinutes`;
 * buckets for `slo.retentionDays`.
 */
export class SloAggregator {
  constructor(
    private readonly options: {
      store: SloStore;
      /** The direct source's samples the buckets are made from. */
      samples: SampleStore;
      retentionDays: number;
    },
  ) {}

  /** End of the last closed bucket at `now`. */
  static closedUntil(now: number) {
    return Math.floor((now - CLOSE_GRACE_MS) / BUCKET_MS) * BUCKET_MS;
  }

  /** Aggregates a target's closed buckets not yet stored; returns how many were written. */
  async aggregate(
    entityRef: string,
    environment: string,
    now = Date.now(),
  ): Promise<number> {
    const { store, samples: sampleStore } = this.options;
    const until = SloAggregator.closedUntil(now);
    const last = await store.lastBucketStart(entityRef, environment);
    let from = last !== undefined ? last + BUCKET_MS : undefined;
    if (from === undefined) {
      const first = await sampleStore.earliestTime(entityRef, environment);
      if (first === undefined) return 0;
      from = Math.floor(first / BUCKET_MS) * BUCKET_MS;
    }
    from = Math.max(from, until - this.options.retentionDays * 86_400_000);
    let written = 0;
    for (let start = from; start < until; start += CHUNK_MS) {
      const end = Math.min(start + CHUNK_MS, until);
      const previous = await sampleStore.before(entityRef, environment, start);
      const samples = await sampleStore.inRange(
        entityRef,
        environment,
        start,
        end,
      );
      const buckets = bucketsFromSamples(previous, samples, start, end);
      await store.upsert(entityRef, environment, buckets);
      written += buckets.length;
    }
    return written;
  }

  async prune(now = Date.now()) {
    await this.options.store.prune(
      now - this.options.retentionDays * 86_400_000,
    );
  }
}
