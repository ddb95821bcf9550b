import type {
  SloDefinition,
  SloHistoryPoint,
} from '@fastify-backstage/plugin-service-health-common';
import type { LabelMatcher } from '../metrics/promql';
import { BUCKET_MS, SloBucket } from './buckets';
import { countEvents } from './evaluate';
import { badQuery, totalQuery } from './promql';

function point(t: number, slo: SloDefinition, total: number, bad: number) {
  const p: SloHistoryPoint = { t };
  if (total > 0) {
    p.sli = 1 - bad / total;
    p.errorBudgetRemaining = 1 - bad / total / (1 - slo.target);
  }
  return p;
}

/**
 * The SLO's figures over its window ending at each of `times` (bucket
 * boundaries, ascending), from the buckets (ascending, covering
 * [times[0] − window, last time)), with prefix sums: one pass over the
 * buckets whatever the number of points. Throws SloDataError like
 * countEvents.
 */
export function historyFromBuckets(
  slo: SloDefinition,
  buckets: SloBucket[],
  times: number[],
): SloHistoryPoint[] {
  const totals = [0];
  const bads = [0];
  for (const b of buckets) {
    const c = countEvents(slo, [b]);
    totals.push(totals[totals.length - 1] + c.total);
    bads.push(bads[bads.length - 1] + c.bad);
  }
  // index of the first bucket starting at or after t
  const indexAt = (t: number) => {
    let lo = 0;
    let hi = buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (buckets[mid].start < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const windowMs = slo.windowSeconds * 1000;
  return times.map(t => {
    const i = indexAt(t - windowMs);
    const j = indexAt(t);
    return point(t, slo, totals[j] - totals[i], bads[j] - bads[i]);
  });
}

/** Bucket boundaries from `from` (exclusive) to `to`, `stepSeconds` apart, at most `until`. */
export function historyTimes(
  from: number,
  to: number,
  stepSeconds: number,
  until: number,
): number[] {
  const step = stepSeconds * 1000;
  const times: number[] = [];
  const last = Math.min(to, until);
  for (let t = from + step; t <= last; t += step) {
    times.push(Math.floor(t / BUCKET_MS) * BUCKET_MS);
  }
  return times;
}

/** What the SLO history needs of a Prometheus source. */
export interface RangeQuerier {
  rangeQuery(
    query: string,
    start: Date,
    end: Date,
    stepSeconds: number,
  ): Promise<
    Array<{ metric: Record<string, string>; values: Array<[number, string]> }>
  >;
}

/** The SLO's figures over its window ending at each step, from Prometheus (increase() over the window). */
export async function historyFromPrometheus(
  slo: SloDefinition,
  matchers: LabelMatcher[],
  prometheus: RangeQuerier,
  range: { from: Date; to: Date; stepSeconds: number },
): Promise<SloHistoryPoint[]> {
  const start = new Date(range.from.getTime() + range.stepSeconds * 1000);
  if (start.getTime() > range.to.getTime()) return [];
  const [total, bad] = await Promise.all([
    prometheus.rangeQuery(
      totalQuery(matchers, slo.window),
      start,
      range.to,
      range.stepSeconds,
    ),
    prometheus.rangeQuery(
      badQuery(slo, matchers, slo.window),
      start,
      range.to,
      range.stepSeconds,
    ),
  ]);
  const bads = new Map(
    (bad[0]?.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)]),
  );
  return (total[0]?.values ?? []).map(([t, v]) => {
    const ms = Math.round(t * 1000);
    const b = bads.get(ms);
    const n = Number(v);
    return b === undefined || !Number.isFinite(n)
      ? { t: ms }
      : point(ms, slo, n, Math.max(0, b));
  });
}
