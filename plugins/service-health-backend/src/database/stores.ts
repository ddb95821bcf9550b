import type {
  HealthHistoryPoint,
  HealthLifecycle,
  HealthSnapshot,
} from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import type { CompactSample } from '../metrics/samples';

const PROBES = 'service_health_probes';
const SAMPLES = 'service_health_metric_samples';

/** Stored health probes. */
export class HealthStore {
  constructor(private readonly db: Knex) {}

  async insert(snapshot: HealthSnapshot): Promise<void> {
    await this.db(PROBES).insert(this.#row(snapshot));
  }

  async insertMany(snapshots: HealthSnapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    // SQLite limits bound variables per statement; 6 columns per row.
    await this.db.batchInsert(
      PROBES,
      snapshots.map(s => this.#row(s)),
      100,
    );
  }

  #row(s: HealthSnapshot) {
    return {
      entity_ref: s.entityRef,
      environment: s.environment,
      checked_at: Date.parse(s.checkedAt),
      status: s.status,
      latency_ms:
        s.liveness.latencyMs !== undefined
          ? Math.round(s.liveness.latencyMs)
          : null,
      snapshot: JSON.stringify(s),
    };
  }

  async latest(
    entityRef: string,
    environment: string,
  ): Promise<HealthSnapshot | undefined> {
    const row = await this.db(PROBES)
      .where({ entity_ref: entityRef, environment })
      .orderBy('checked_at', 'desc')
      .orderBy('id', 'desc')
      .first('snapshot');
    return row ? (JSON.parse(row.snapshot) as HealthSnapshot) : undefined;
  }

  /**
   * The service's story over every stored probe: first probe, first and
   * latest pass, and when the current outage began (the first failing probe
   * after the latest pass). A few indexed MIN/MAX queries.
   */
  async lifecycle(
    entityRef: string,
    environment: string,
  ): Promise<HealthLifecycle> {
    const target = () =>
      this.db(PROBES).where({ entity_ref: entityRef, environment });
    const up = ['pass', 'warn'];
    const iso = (v: unknown) =>
      v === null || v === undefined
        ? undefined
        : new Date(Number(v)).toISOString();
    const [first, ups, latest] = await Promise.all([
      target().min({ t: 'checked_at' }).first(),
      target()
        .whereIn('status', up)
        .min({ first: 'checked_at' })
        .max({ last: 'checked_at' })
        .first(),
      target()
        .orderBy('checked_at', 'desc')
        .orderBy('id', 'desc')
        .first('status'),
    ]);
    const result: HealthLifecycle = {
      firstProbeAt: iso(first?.t),
      firstUpAt: iso(ups?.first),
      lastUpAt: iso(ups?.last),
    };
    if (latest && !up.includes(latest.status)) {
      const since = await target()
        .whereNotIn('status', up)
        .where('checked_at', '>', ups?.last ?? -1)
        .min({ t: 'checked_at' })
        .first();
      result.downSince = iso(since?.t);
    }
    return result;
  }

  async history(
    entityRef: string,
    environment: string,
    from: Date,
    to: Date,
    limit = 5000,
  ): Promise<HealthHistoryPoint[]> {
    const rows = await this.db(PROBES)
      .where({ entity_ref: entityRef, environment })
      .whereBetween('checked_at', [from.getTime(), to.getTime()])
      .orderBy('checked_at', 'desc')
      .limit(limit)
      .select('checked_at', 'status', 'latency_ms');
    return rows.reverse().map(r => ({
      checkedAt: new Date(Number(r.checked_at)).toISOString(),
      status: r.status,
      latencyMs: r.latency_ms === null ? undefined : Number(r.latency_ms),
    }));
  }

  async prune(olderThan: Date): Promise<number> {
    return this.db(PROBES)
      .where('checked_at', '<', olderThan.getTime())
      .delete();
  }
}

/** Samples of the direct metrics source. */
export class SampleStore {
  constructor(private readonly db: Knex) {}

  async insert(entityRef: string, environment: string, sample: CompactSample) {
    await this.db(SAMPLES).insert({
      entity_ref: entityRef,
      environment,
      scraped_at: sample.t,
      sample: JSON.stringify(sample),
    });
  }

  async latestTime(
    entityRef: string,
    environment: string,
  ): Promise<number | undefined> {
    const row = await this.db(SAMPLES)
      .where({ entity_ref: entityRef, environment })
      .max({ t: 'scraped_at' })
      .first();
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  async between(
    entityRef: string,
    environment: string,
    from: number,
    to: number,
  ): Promise<CompactSample[]> {
    const rows = await this.db(SAMPLES)
      .where({ entity_ref: entityRef, environment })
      .whereBetween('scraped_at', [from, to])
      .orderBy('scraped_at', 'asc')
      .select('sample');
    return rows.map(r => JSON.parse(r.sample));
  }

  /** The first and last sample in the window (two small queries, not the whole window). */
  async edges(
    entityRef: string,
    environment: string,
    from: number,
    to: number,
  ): Promise<[CompactSample, CompactSample] | undefined> {
    const base = () =>
      this.db(SAMPLES)
        .where({ entity_ref: entityRef, environment })
        .whereBetween('scraped_at', [from, to]);
    const first = await base().orderBy('scraped_at', 'asc').first('sample');
    const last = await base().orderBy('scraped_at', 'desc').first('sample');
    if (!first || !last) return undefined;
    return [JSON.parse(first.sample), JSON.parse(last.sample)];
  }

  /** Time of the oldest stored sample of the target. */
  async earliestTime(
    entityRef: string,
    environment: string,
  ): Promise<number | undefined> {
    const row = await this.db(SAMPLES)
      .where({ entity_ref: entityRef, environment })
      .min({ t: 'scraped_at' })
      .first();
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  async prune(olderThan: number): Promise<number> {
    return this.db(SAMPLES).where('scraped_at', '<', olderThan).delete();
  }

  /**
   * Keeps only the first sample of each `bucketMs` slice (per target) among
   * the samples scraped in [from, to). Samples hold cumulative counters, so
   * the figures between any two kept samples stay exact, only coarser. The
   * buckets are fixed slices of epoch time, so thinning again keeps the same
   * samples.
   */
  async thin(from: number, to: number, bucketMs: number): Promise<number> {
    const bucket = Math.max(1, Math.floor(bucketMs));
    const inRange = (q: Knex.QueryBuilder) =>
      q.where('scraped_at', '>=', from).where('scraped_at', '<', to);
    const keep = inRange(this.db(SAMPLES))
      .min('id')
      .groupBy(
        'entity_ref',
        'environment',
        this.db.raw(`scraped_at / ${bucket}`),
      );
    return inRange(this.db(SAMPLES)).whereNotIn('id', keep).delete();
  }
}
