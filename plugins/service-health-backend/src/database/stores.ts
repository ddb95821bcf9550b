import type {
  HealthHistoryPoint,
  HealthLifecycle,
  HealthSnapshot,
  Release,
} from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import type { CompactSample } from '../metrics/samples';

const PROBES = 'service_health_probes';
const ROLLUPS = 'service_health_probe_rollups';
const LATEST = 'service_health_latest_probes';
const RELEASES = 'service_health_releases';

/** How probe history is kept (see `compact`). */
export interface ProbeRetention {
  /** Probes younger than this stay one row each. */
  rawHours: number;
  /** Older probes are counted into buckets of this many minutes. */
  rollupMinutes: number;
  /** Buckets older than this are deleted. */
  retentionDays: number;
}

const RANK = ['pass', 'warn', 'fail', 'down'];
const SAMPLES = 'service_health_metric_samples';

/** Stored health probes. */
export class HealthStore {
  constructor(private readonly db: Knex) {}

  async insert(snapshot: HealthSnapshot): Promise<void> {
    await this.insertMany([snapshot]);
  }

  /**
   * Stores probes: status and latency in the history (`snapshot` left empty:
   * a snapshot is ~1 KB, a probe row ~0.1 KB), the whole snapshot as the
   * target's latest (what `latest` answers).
   */
  async insertMany(snapshots: HealthSnapshot[]): Promise<void> {
    if (snapshots.length === 0) return;
    // The newest of each target, if a batch holds several.
    const latest = new Map<string, HealthSnapshot>();
    for (const s of snapshots) {
      const key = `${s.entityRef}\u0000${s.environment}`;
      const seen = latest.get(key);
      if (!seen || seen.checkedAt <= s.checkedAt) latest.set(key, s);
    }
    await this.db.transaction(async tx => {
      // SQLite limits bound variables per statement; 6 columns per row.
      await tx.batchInsert(
        PROBES,
        snapshots.map(s => this.#row(s)),
        100,
      );
      const rows = [...latest.values()].map(s => ({
        entity_ref: s.entityRef,
        environment: s.environment,
        checked_at: Date.parse(s.checkedAt),
        snapshot: JSON.stringify(s),
      }));
      for (let i = 0; i < rows.length; i += 100) {
        await tx(LATEST)
          .insert(rows.slice(i, i + 100))
          .onConflict(['entity_ref', 'environment'])
          .merge(['checked_at', 'snapshot']);
      }
      await this.#recordReleases(tx, [...latest.values()]);
    });
  }

  /**
   * A row per change of the reported release. Compared with the target's
   * last recorded release, not its latest probe: a probe of a service that
   * is down reports none, and coming back with the same release is no deploy.
   */
  async #recordReleases(tx: Knex.Transaction, snapshots: HealthSnapshot[]) {
    const reporting = snapshots.filter(s => s.version || s.releaseId);
    if (reporting.length === 0) return;
    const known = new Map<string, { version: string; release_id: string }>();
    for (let i = 0; i < reporting.length; i += 100) {
      const batch = reporting.slice(i, i + 100);
      // The newest row per target of the batch.
      const newest = tx(RELEASES)
        .select('entity_ref', 'environment')
        .max({ id: 'id' })
        .whereIn(
          ['entity_ref', 'environment'],
          batch.map(s => [s.entityRef, s.environment]),
        )
        .groupBy('entity_ref', 'environment');
      const rows = await tx(RELEASES)
        .whereIn('id', tx.from(newest.as('n')).select('id'))
        .select('entity_ref', 'environment', 'version', 'release_id');
      for (const r of rows) {
        known.set(`${r.entity_ref}\u0000${r.environment}`, r);
      }
    }
    const changed = reporting.filter(s => {
      const last = known.get(`${s.entityRef}\u0000${s.environment}`);
      return (
        !last ||
        (last.version ?? undefined) !== s.version ||
        (last.release_id ?? undefined) !== s.releaseId
      );
    });
    if (changed.length === 0) return;
    await tx.batchInsert(
      RELEASES,
      changed.map(s => ({
        entity_ref: s.entityRef,
        environment: s.environment,
        seen_at: Date.parse(s.checkedAt),
        version: s.version ?? null,
        release_id: s.releaseId ?? null,
      })),
      100,
    );
  }

  /**
   * The releases first seen in the window, oldest first, each with the one
   * before it (which may be older than the window).
   */
  async releases(
    entityRef: string,
    environment: string,
    from: Date,
    to: Date,
  ): Promise<Release[]> {
    const target = () =>
      this.db(RELEASES).where({ entity_ref: entityRef, environment });
    const [before, inWindow] = await Promise.all([
      target()
        .where('seen_at', '<', from.getTime())
        .orderBy('seen_at', 'desc')
        .orderBy('id', 'desc')
        .first('version', 'release_id'),
      target()
        .whereBetween('seen_at', [from.getTime(), to.getTime()])
        .orderBy('seen_at', 'asc')
        .orderBy('id', 'asc')
        .limit(1000)
        .select('seen_at', 'version', 'release_id'),
    ]);
    const pair = (r: {
      version: string | null;
      release_id: string | null;
    }) => ({
      ...(r.version !== null ? { version: r.version } : {}),
      ...(r.release_id !== null ? { releaseId: r.release_id } : {}),
    });
    let previous = before ? pair(before) : undefined;
    return inWindow.map(r => {
      const release: Release = {
        seenAt: new Date(Number(r.seen_at)).toISOString(),
        ...pair(r),
        ...(previous ? { previous } : {}),
      };
      previous = pair(r);
      return release;
    });
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
      snapshot: '',
    };
  }

  async latest(
    entityRef: string,
    environment: string,
  ): Promise<HealthSnapshot | undefined> {
    const row = await this.db(LATEST)
      .where({ entity_ref: entityRef, environment })
      .first('snapshot');
    return row ? (JSON.parse(row.snapshot) as HealthSnapshot) : undefined;
  }

  /**
   * The service's story over every stored probe: first probe, first and
   * latest pass, and when the current outage began (the first failing probe
   * after the latest pass). A few indexed MIN/MAX queries.
   */
  /**
   * The service's story over every stored probe, raw and aggregated: older
   * probes live in buckets, so a time read from a bucket is its start (the
   * first probe, the first pass) or its end (the last pass), accurate to the
   * bucket's length.
   */
  async lifecycle(
    entityRef: string,
    environment: string,
  ): Promise<HealthLifecycle> {
    const target = () =>
      this.db(PROBES).where({ entity_ref: entityRef, environment });
    const buckets = () =>
      this.db(ROLLUPS).where({ entity_ref: entityRef, environment });
    const up = ['pass', 'warn'];
    const num = (v: unknown) =>
      v === null || v === undefined ? undefined : Number(v);
    const iso = (v: number | undefined) =>
      v === undefined ? undefined : new Date(v).toISOString();
    const min = (...v: Array<number | undefined>) => {
      const d = v.filter((x): x is number => x !== undefined);
      return d.length ? Math.min(...d) : undefined;
    };
    const [first, ups, latest, firstBucket, upBuckets] = await Promise.all([
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
      buckets().min({ t: 'bucket_start' }).first(),
      buckets()
        .where(q => q.where('pass', '>', 0).orWhere('warn', '>', 0))
        .min({ first: 'bucket_start' })
        .max({ last: this.db.raw('bucket_start + bucket_ms') })
        .first(),
    ]);
    // Raw probes are newer than every bucket: a raw pass is the latest pass.
    const lastUp = num(ups?.last) ?? num(upBuckets?.last);
    const result: HealthLifecycle = {
      firstProbeAt: iso(min(num(first?.t), num(firstBucket?.t))),
      firstUpAt: iso(min(num(ups?.first), num(upBuckets?.first))),
      lastUpAt: iso(lastUp),
    };
    if (latest && !up.includes(latest.status)) {
      const since = await target()
        .whereNotIn('status', up)
        .where('checked_at', '>', lastUp ?? -1)
        .min({ t: 'checked_at' })
        .first();
      // An outage longer than the raw window began in a bucket: the first
      // failing bucket from the last pass on.
      const sinceBucket = await buckets()
        .where('bucket_start', '>=', lastUp ?? -1)
        .where(q => q.where('fail', '>', 0).orWhere('down', '>', 0))
        .min({ t: 'bucket_start' })
        .first();
      result.downSince = iso(min(num(since?.t), num(sinceBucket?.t)));
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
    const raw: HealthHistoryPoint[] = rows.reverse().map(r => ({
      checkedAt: new Date(Number(r.checked_at)).toISOString(),
      status: r.status,
      latencyMs: r.latency_ms === null ? undefined : Number(r.latency_ms),
    }));
    // Older probes, aggregated: one point per bucket that starts in the window.
    const buckets = await this.db(ROLLUPS)
      .where({ entity_ref: entityRef, environment })
      .whereBetween('bucket_start', [from.getTime(), to.getTime()])
      .orderBy('bucket_start', 'desc')
      .limit(limit)
      .select();
    const aggregated: HealthHistoryPoint[] = buckets.reverse().map(b => {
      const counts = RANK.map(status => Number(b[status]));
      const worst = RANK[counts.map(c => c > 0).lastIndexOf(true)] ?? 'pass';
      const latencyCount = Number(b.latency_count);
      return {
        checkedAt: new Date(Number(b.bucket_start)).toISOString(),
        until: new Date(
          Number(b.bucket_start) + Number(b.bucket_ms),
        ).toISOString(),
        status: worst as HealthHistoryPoint['status'],
        latencyMs: latencyCount
          ? Math.round(Number(b.latency_sum_ms) / latencyCount)
          : undefined,
        probes: counts.reduce((a, c) => a + c, 0),
        upProbes: counts[0] + counts[1],
      };
    });
    return [...aggregated, ...raw].sort((a, b) =>
      a.checkedAt.localeCompare(b.checkedAt),
    );
  }

  /** Rows of the probe history (raw probes, buckets), e.g. to check its bound. */
  async countRows(): Promise<{ probes: number; rollups: number }> {
    const [p, r] = await Promise.all([
      this.db(PROBES).count({ n: '*' }).first(),
      this.db(ROLLUPS).count({ n: '*' }).first(),
    ]);
    return { probes: Number(p?.n ?? 0), rollups: Number(r?.n ?? 0) };
  }

  /**
   * Keeps the history bounded: probes older than `rawHours` are added to
   * their target's bucket (counts per status, latency sum) and deleted;
   * buckets older than `retentionDays` are deleted, and so is the latest
   * probe of a target not probed for that long. At N targets probed every I seconds this
   * keeps at most N x (rawHours x 3600 / I + 1) probe rows and
   * N x (retentionDays x 1440 / rollupMinutes + 1) bucket rows.
   */
  async compact(retention: ProbeRetention, now = Date.now()): Promise<void> {
    const bucketMs = Math.max(
      60_000,
      Math.round(retention.rollupMinutes * 60_000),
    );
    // Whole buckets only: a bucket is filled once, never merged twice.
    const cutoff =
      Math.floor((now - retention.rawHours * 3_600_000) / bucketMs) * bucketMs;
    const db = this.db;
    await db.transaction(async tx => {
      const old = () => tx(PROBES).where('checked_at', '<', cutoff);
      // A literal, not a binding: PostgreSQL matches the GROUP BY expression
      // to the selected one only when they are the same text.
      const bucket = db.raw(`checked_at - (checked_at % ${bucketMs})`);
      const sums = await old()
        .select(
          'entity_ref',
          'environment',
          db.raw('? as bucket_start', [bucket]),
          ...RANK.map(status =>
            db.raw(`sum(case when status = ? then 1 else 0 end) as ??`, [
              status,
              status,
            ]),
          ),
          db.raw('sum(coalesce(latency_ms, 0)) as latency_sum_ms'),
          db.raw('count(latency_ms) as latency_count'),
        )
        .groupBy('entity_ref', 'environment', bucket);
      for (let i = 0; i < sums.length; i += 50) {
        const rows = sums.slice(i, i + 50).map((r: any) => ({
          entity_ref: r.entity_ref,
          environment: r.environment,
          bucket_start: Number(r.bucket_start),
          bucket_ms: bucketMs,
          pass: Number(r.pass),
          warn: Number(r.warn),
          fail: Number(r.fail),
          down: Number(r.down),
          latency_sum_ms: Number(r.latency_sum_ms),
          latency_count: Number(r.latency_count),
        }));
        // A bucket may already hold probes (one probed late, or refreshed).
        const add = (column: string) =>
          db.raw(`${ROLLUPS}.${column} + excluded.${column}`);
        await tx(ROLLUPS)
          .insert(rows)
          .onConflict(['entity_ref', 'environment', 'bucket_start'])
          .merge({
            pass: add('pass'),
            warn: add('warn'),
            fail: add('fail'),
            down: add('down'),
            latency_sum_ms: add('latency_sum_ms'),
            latency_count: add('latency_count'),
          });
      }
      await old().delete();
      await tx(ROLLUPS)
        .where('bucket_start', '<', now - retention.retentionDays * 86_400_000)
        .delete();
    });
  }

  /** Deletes probes and buckets older than `olderThan` (latest probes too). */
  async prune(olderThan: Date): Promise<number> {
    await this.db(ROLLUPS)
      .where('bucket_start', '<', olderThan.getTime())
      .delete();
    await this.db(LATEST)
      .where('checked_at', '<', olderThan.getTime())
      .delete();
    return this.db(PROBES)
      .where('checked_at', '<', olderThan.getTime())
      .delete();
  }
}

/** Samples of the direct metrics source. */
export class SampleStore {
  // Samples waiting to be written, and the writer draining them. The scrapes
  // of a poll finish a few at a time; their samples go to the database
  // together, one INSERT per batch, instead of one statement and one pooled
  // connection each (10,000 a cycle at 10,000 services, competing with the
  // API's reads for the pool).
  readonly #queue: Array<{
    row: Record<string, unknown>;
    done: (error?: unknown) => void;
  }> = [];
  #writing: Promise<void> | undefined;

  constructor(private readonly db: Knex) {}

  /** Stores a sample; resolves once it is written. */
  insert(
    entityRef: string,
    environment: string,
    sample: CompactSample,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({
        row: {
          entity_ref: entityRef,
          environment,
          scraped_at: sample.t,
          sample: JSON.stringify(sample),
        },
        done: e => (e === undefined ? resolve() : reject(e)),
      });
      this.#writing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Let the scrapes finishing meanwhile join the batch.
        await new Promise(r => setImmediate(r));
        // SQLite limits bound variables per statement; 4 columns per row.
        const batch = this.#queue.splice(0, 100);
        try {
          await this.db(SAMPLES).insert(batch.map(b => b.row));
          for (const b of batch) b.done();
        } catch (e) {
          for (const b of batch) b.done(e ?? new Error('insert failed'));
        }
      }
    } finally {
      this.#writing = undefined;
    }
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
  /** The newest sample scraped before `t` (the SLO buckets' counter base). */
  async before(
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

  /** Samples scraped in [from, to), oldest first: consecutive ranges share no sample. */
  async inRange(
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
