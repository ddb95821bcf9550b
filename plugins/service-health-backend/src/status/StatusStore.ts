import type { ProbeStatus } from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import type { CompactSample } from '../metrics/samples';

const PROBES = 'service_health_probes';
const SAMPLES = 'service_health_metric_samples';
const ROLLUPS = 'service_health_probe_rollups';

/**
 * Refs per statement: a request's refs (at most 1,000) in one statement per
 * query. The list is one bound parameter (see listSelect), so the statement
 * does not grow with it.
 */
const CHUNK = 1000;

const STATUSES: ProbeStatus[] = ['pass', 'warn', 'fail', 'down'];

/** What the stored probes say about one service in one environment. */
export interface ProbeStanding {
  entityRef: string;
  /** The latest probe's status. */
  status: ProbeStatus;
  checkedAt: number;
  /** When the current state began (see `sinceIsLowerBound`). */
  since: number;
  /** True when the state may have begun before `since`. */
  sinceIsLowerBound: boolean;
  /** The oldest stored probe, raw or in a bucket. */
  oldest: number;
  /** Whether any stored probe was pass or warn. */
  everUp: boolean;
}

/**
 * The SELECT of a list of refs (and times) for a WITH clause, bound as one
 * parameter per column whatever the number of rows: SQLite's `json_each`
 * over a JSON array, PostgreSQL's `unnest` over arrays. A `VALUES` list of
 * 500 rows made each call a new, long statement for the database to compile
 * and for knex to bind: a fifth of the request's time at 1,000 refs
 * (profiled: statement preparation and binding), for what is one list.
 */
function listSelect(
  db: Knex,
  columns: Array<{ name: string; type: 'text' | 'bigint' }>,
  rows: Array<Array<string | number>>,
): { sql: string; bindings: Knex.Value[] } {
  if (db.client.dialect === 'postgresql') {
    return {
      sql: `SELECT * FROM unnest(${columns
        .map(c => `?::${c.type}[]`)
        .join(', ')}) AS l(${columns.map(c => c.name).join(', ')})`,
      bindings: columns.map((_, i) => rows.map(r => r[i]) as Knex.Value),
    };
  }
  return {
    sql: `SELECT ${columns
      .map((c, i) => `json_extract(l.value, '$[${i}]') AS ${c.name}`)
      .join(', ')} FROM json_each(?) l`,
    bindings: [JSON.stringify(rows)],
  };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    out.push(items.slice(i, i + CHUNK));
  }
  return out;
}

/**
 * Batch reads of stored probes and samples for the catalog's status column
 * and roll-ups: one statement per chunk of refs for the probes, one for the
 * samples, whatever the number of entities. Nothing here calls a service.
 */
export class StatusStore {
  constructor(private readonly db: Knex) {}

  /**
   * The standing of each ref that has probes in `environment`, in two
   * statements per chunk of refs:
   *
   * 1. per ref, the last probe of each status and the oldest probe: each a
   *    correlated MIN/MAX that is one seek on an index
   *    (`service_health_probes_status_idx`, the target index), whatever the
   *    length of the history. The latest probe is the latest of the four.
   * 2. for refs whose status changed, the first probe after the last probe
   *    with another status: when the current state began.
   */
  async standings(
    entityRefs: string[],
    environment: string,
  ): Promise<Map<string, ProbeStanding>> {
    const result = new Map<string, ProbeStanding>();
    for (const refs of chunks(entityRefs)) {
      if (refs.length === 0) continue;
      const lastOf = (status: ProbeStatus) => `
        (SELECT MAX(o.checked_at) FROM ${PROBES} o
          WHERE o.entity_ref = r.entity_ref AND o.environment = ?
            AND o.status = '${status}') AS last_${status}`;
      const list = listSelect(
        this.db,
        [{ name: 'entity_ref', type: 'text' }],
        refs.map(r => [r]),
      );
      const rows: Array<
        { entity_ref: string; oldest: number | string | null } & Record<
          `last_${ProbeStatus}`,
          number | string | null
        >
      > = await this.db
        .raw(
          `
      WITH refs AS (${list.sql})
      SELECT r.entity_ref,
        (SELECT MIN(o.checked_at) FROM ${PROBES} o
          WHERE o.entity_ref = r.entity_ref AND o.environment = ?) AS oldest,
        ${STATUSES.map(lastOf).join(',')}
      FROM refs r
      `,
          [...list.bindings, environment, ...STATUSES.map(() => environment)],
        )
        .then(r => rowsOf(r));

      const changed: Array<[string, number]> = [];
      const outages: string[] = [];
      for (const r of rows) {
        if (r.oldest === null) continue; // never probed
        // The latest probe is the latest of the last probe of each status;
        // on a tie (two probes of one target in the same millisecond) the
        // worse status wins.
        let status: ProbeStatus | undefined;
        let checkedAt = -Infinity;
        for (const st of STATUSES) {
          const t = r[`last_${st}`];
          if (t !== null && Number(t) >= checkedAt) {
            status = st;
            checkedAt = Number(t);
          }
        }
        if (!status) continue;
        const up = status === 'pass' || status === 'warn';
        const latestOf = (statuses: ProbeStatus[]) =>
          statuses
            .map(st => r[`last_${st}`])
            .filter((t): t is number | string => t !== null)
            .map(Number)
            .reduce<number | undefined>(
              (max, t) => (max === undefined || t > max ? t : max),
              undefined,
            );
        const lastUp = latestOf(['pass', 'warn']);
        // pass and warn are states of their own; fail and down are one outage
        const lastOther = up
          ? latestOf(STATUSES.filter(st => st !== status))
          : lastUp;
        const oldest = Number(r.oldest);
        result.set(r.entity_ref, {
          entityRef: r.entity_ref,
          status,
          checkedAt,
          since: oldest,
          sinceIsLowerBound: lastOther === undefined,
          oldest,
          everUp: lastUp !== undefined,
        });
        if (lastOther !== undefined) changed.push([r.entity_ref, lastOther]);
        else if (!up) outages.push(r.entity_ref);
      }
      if (changed.length > 0) {
        const changedList = listSelect(
          this.db,
          [
            { name: 'entity_ref', type: 'text' },
            { name: 'after_t', type: 'bigint' },
          ],
          changed,
        );
        const firsts: Array<{
          entity_ref: string;
          first_after: number | string | null;
        }> = await this.db
          .raw(
            `
      WITH changed AS (${changedList.sql})
      SELECT ch.entity_ref,
        (SELECT MIN(o.checked_at) FROM ${PROBES} o
          WHERE o.entity_ref = ch.entity_ref AND o.environment = ?
            AND o.checked_at > ch.after_t) AS first_after
      FROM changed ch
      `,
            [...changedList.bindings, environment],
          )
          .then(r => rowsOf(r));
        for (const f of firsts) {
          const standing = result.get(f.entity_ref);
          if (standing && f.first_after !== null) {
            standing.since = Number(f.first_after);
          }
        }
      }
      if (outages.length > 0) {
        await this.#outagesFromBuckets(outages, environment, result);
      }
    }
    return result;
  }

  /**
   * Services down for every raw probe kept: did they ever pass (in the
   * aggregated buckets), and when did the outage begin? The same reading of
   * the buckets as the Health tab's lifecycle: the first failing bucket from
   * the end of the last bucket with a pass. Only for these few services: a
   * bucket scan per service would cost too much for all of them.
   */
  async #outagesFromBuckets(
    refs: string[],
    environment: string,
    result: Map<string, ProbeStanding>,
  ) {
    const list = listSelect(
      this.db,
      [{ name: 'entity_ref', type: 'text' }],
      refs.map(r => [r]),
    );
    const rows: Array<{
      entity_ref: string;
      oldest_bucket: number | string | null;
      last_up_end: number | string | null;
      outage_start: number | string | null;
    }> = await this.db
      .raw(
        `
      WITH refs AS (${list.sql}),
      ups AS (
        SELECT r.entity_ref,
          (SELECT MIN(b.bucket_start) FROM ${ROLLUPS} b
            WHERE b.entity_ref = r.entity_ref AND b.environment = ?) AS oldest_bucket,
          (SELECT MAX(b.bucket_start + b.bucket_ms) FROM ${ROLLUPS} b
            WHERE b.entity_ref = r.entity_ref AND b.environment = ?
              AND (b.pass > 0 OR b.warn > 0)) AS last_up_end
        FROM refs r
      )
      SELECT u.entity_ref, u.oldest_bucket, u.last_up_end,
        (SELECT MIN(b.bucket_start) FROM ${ROLLUPS} b
          WHERE b.entity_ref = u.entity_ref AND b.environment = ?
            AND b.bucket_start >= u.last_up_end
            AND (b.fail > 0 OR b.down > 0)) AS outage_start
      FROM ups u
      `,
        [...list.bindings, environment, environment, environment],
      )
      .then(r => rowsOf(r));
    for (const r of rows) {
      const standing = result.get(r.entity_ref);
      if (!standing) continue;
      if (r.oldest_bucket !== null) {
        standing.oldest = Math.min(standing.oldest, Number(r.oldest_bucket));
      }
      if (r.last_up_end === null) {
        // never up, raw or aggregated: not started since the first probe
        standing.since = standing.oldest;
        standing.sinceIsLowerBound = false;
        continue;
      }
      standing.everUp = true;
      standing.sinceIsLowerBound = false;
      standing.since =
        r.outage_start !== null
          ? Math.min(Number(r.outage_start), standing.since)
          : standing.since;
    }
  }

  /**
   * The first and the last stored sample of each ref in `environment` since
   * `from`: two statements per chunk (the min/max time per ref, each one
   * index seek; then those rows).
   */
  async sampleEdges(
    entityRefs: string[],
    environment: string,
    from: number,
  ): Promise<Map<string, [CompactSample, CompactSample]>> {
    const result = new Map<string, [CompactSample, CompactSample]>();
    for (const refs of chunks(entityRefs)) {
      if (refs.length === 0) continue;
      const refList = listSelect(
        this.db,
        [{ name: 'entity_ref', type: 'text' }],
        refs.map(r => [r]),
      );
      const bounds: Array<{
        entity_ref: string;
        first_t: number | string | null;
        last_t: number | string | null;
      }> = await this.db
        .raw(
          `
      WITH refs AS (${refList.sql})
      SELECT r.entity_ref,
        (SELECT MIN(o.scraped_at) FROM ${SAMPLES} o
          WHERE o.entity_ref = r.entity_ref AND o.environment = ?
            AND o.scraped_at >= ?) AS first_t,
        (SELECT MAX(o.scraped_at) FROM ${SAMPLES} o
          WHERE o.entity_ref = r.entity_ref AND o.environment = ?
            AND o.scraped_at >= ?) AS last_t
      FROM refs r
      `,
          [...refList.bindings, environment, from, environment, from],
        )
        .then(r => rowsOf(r));
      const wanted = bounds
        .filter(b => b.first_t !== null && Number(b.first_t) < Number(b.last_t))
        .flatMap(b => [
          [b.entity_ref, Number(b.first_t)],
          [b.entity_ref, Number(b.last_t)],
        ]);
      if (wanted.length === 0) continue;
      const wantedList = listSelect(
        this.db,
        [
          { name: 'entity_ref', type: 'text' },
          { name: 't', type: 'bigint' },
        ],
        wanted,
      );
      // CROSS JOIN: SQLite then loops over the wanted rows and seeks each one
      // on the index (PostgreSQL plans it as the inner join it is). No ORDER
      // BY: with one, SQLite scanned the whole index in order instead (0.6 s
      // for 200 services); the rows are ordered below.
      const rows: Array<{
        entity_ref: string;
        scraped_at: number | string;
        sample: string;
      }> = await this.db
        .raw(
          `
      WITH wanted AS (${wantedList.sql})
      SELECT s.entity_ref, s.scraped_at, s.sample
      FROM wanted w CROSS JOIN ${SAMPLES} s
      WHERE s.entity_ref = w.entity_ref AND s.environment = ?
        AND s.scraped_at = w.t
      `,
          [...wantedList.bindings, environment],
        )
        .then(r => rowsOf(r));
      const byRef = new Map<string, Array<[number, string]>>();
      for (const r of rows) {
        const list = byRef.get(r.entity_ref) ?? [];
        list.push([Number(r.scraped_at), r.sample]);
        byRef.set(r.entity_ref, list);
      }
      for (const [ref, list] of byRef) {
        list.sort((a, b) => a[0] - b[0]);
        const first = JSON.parse(list[0][1]) as CompactSample;
        const last = JSON.parse(list[list.length - 1][1]) as CompactSample;
        if (first.t !== last.t) result.set(ref, [first, last]);
      }
    }
    return result;
  }
}

/** knex.raw answers an array on SQLite and `{ rows }` on PostgreSQL. */
function rowsOf<T = any>(raw: unknown): T[] {
  return Array.isArray(raw) ? (raw as T[]) : (raw as { rows: T[] }).rows;
}
