import type { Knex } from 'knex';
import type { CompactSample } from '../metrics/samples';
import type { SloBucket } from './buckets';

const BUCKETS = 'service_health_slo_buckets';
// Written by the direct metrics source (SampleStore); read here as the input of the aggregates.
const SAMPLES = 'service_health_metric_samples';

/** The 5-minute SLO aggregates, and the reads of the direct source's samples they are made from. */
export class SloStore {
  constructor(private readonly db: Knex) {}

  /** Start of the newest stored bucket of a target. */
  async lastBucketStart(
    entityRef: string,
    environment: string,
  ): Promise<number | undefined> {
    const row = await this.db(BUCKETS)
      .where({ entity_ref: entityRef, environment })
      .max({ t: 'bucket_start' })
      .first();
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  /** Inserts buckets; a bucket already stored is replaced (a re-run recomputes it from the same samples). */
  async upsert(entityRef: string, environment: string, buckets: SloBucket[]) {
    if (buckets.length === 0) return;
    const rows = buckets.map(b => ({
      entity_ref: entityRef,
      environment,
      bucket_start: b.start,
      total: b.total,
      counts: JSON.stringify({ statuses: b.statuses, le: b.le }),
    }));
    for (let i = 0; i < rows.length; i += 100) {
      await this.db(BUCKETS)
        .insert(rows.slice(i, i + 100))
        .onConflict(['entity_ref', 'environment', 'bucket_start'])
        .merge(['total', 'counts']);
    }
  }

  /** Buckets starting in [from, to), oldest first. */
  async buckets(
    entityRef: string,
    environment: string,
    from: number,
    to: number,
  ): Promise<SloBucket[]> {
    const rows = await this.db(BUCKETS)
      .where({ entity_ref: entityRef, environment })
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .orderBy('bucket_start', 'asc')
      .select('bucket_start', 'total', 'counts');
    return rows.map(r => {
      const counts = JSON.parse(r.counts);
      return {
        start: Number(r.bucket_start),
        total: Number(r.total),
        statuses: counts.statuses,
        le: counts.le,
      };
    });
  }

  async prune(olderThan: number): Promise<number> {
    return this.db(BUCKETS).where('bucket_start', '<', olderThan).delete();
  }

  /** The newest sample scraped before `t`. */
  async sampleBefore(
    entityRef: string,
    environment: string,
    t: number,
  ): Promise<CompactSample | undefined> {
    const row = await this.db(SAMPLES)
      .where({ entity_ref: entityRef, environment })
      .where('scraped_at', '<', t)
      .orderBy('scraped_at', 'desc')
      .first('sample');
    return row ? JSON.parse(row.sample) : undefined;
  }

  /** Samples scraped in [from, to), oldest first. */
  async samples(
    entityRef: string,
    environment: string,
    from: number,
    to: number,
  ): Promise<CompactSample[]> {
    const rows = await this.db(SAMPLES)
      .where({ entity_ref: entityRef, environment })
      .where('scraped_at', '>=', from)
      .where('scraped_at', '<', to)
      .orderBy('scraped_at', 'asc')
      .select('sample');
    return rows.map(r => JSON.parse(r.sample));
  }

  async firstSampleTime(
    entityRef: string,
    environment: string,
  ): Promise<number | undefined> {
    const row = await this.db(SAMPLES)
      .where({ entity_ref: entityRef, environment })
      .min({ t: 'scraped_at' })
      .first();
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }
}
