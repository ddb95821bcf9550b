import type {
  EntitySlos,
  SourcedResponse,
} from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import type { SloBucket } from './buckets';

const BUCKETS = 'service_health_slo_buckets';
const STATUS = 'service_health_slo_status';
/** Refs per statement of the batch read (well under both databases' bound-variable limits). */
const CHUNK = 500;

/** A target's latest stored SLO evaluation. */
export interface StoredSloStatus {
  computedAt: number;
  response: SourcedResponse<EntitySlos>;
}

/** The 5-minute SLO aggregates (made from the direct source's samples, read through its SampleStore). */
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

  /** Replaces a target's stored SLO evaluation. */
  async saveStatus(
    entityRef: string,
    environment: string,
    computedAt: number,
    response: SourcedResponse<EntitySlos>,
  ) {
    await this.db(STATUS)
      .insert({
        entity_ref: entityRef,
        environment,
        computed_at: computedAt,
        response: JSON.stringify(response),
      })
      .onConflict(['entity_ref', 'environment'])
      .merge(['computed_at', 'response']);
  }

  /**
   * The stored SLO evaluations of many targets of one environment: one
   * primary-key lookup per ref, one statement per {@link CHUNK} refs.
   */
  async statuses(
    entityRefs: string[],
    environment: string,
  ): Promise<Map<string, StoredSloStatus>> {
    const result = new Map<string, StoredSloStatus>();
    for (let i = 0; i < entityRefs.length; i += CHUNK) {
      const rows = await this.db(STATUS)
        .where('environment', environment)
        .whereIn('entity_ref', entityRefs.slice(i, i + CHUNK))
        .select('entity_ref', 'computed_at', 'response');
      for (const r of rows) {
        result.set(r.entity_ref, {
          computedAt: Number(r.computed_at),
          response: JSON.parse(r.response),
        });
      }
    }
    return result;
  }

  /** Drops evaluations not refreshed since `olderThan` (targets gone from the catalog). */
  async pruneStatuses(olderThan: number): Promise<number> {
    return this.db(STATUS).where('computed_at', '<', olderThan).delete();
  }
}
