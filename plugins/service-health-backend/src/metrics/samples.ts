import type {
  MetricsPoint,
  RouteMetrics,
} from '@fastify-backstage/plugin-service-health-common';
import type { Exposition } from './exposition';

/**
 * What one scrape of `/metrics` keeps: the request histogram per
 * (method, route, status_code) and the process figures. Cumulative bucket
 * counts, last one is +Inf.
 */
export interface CompactSample {
  /** Epoch ms of the scrape. */
  t: number;
  /** Finite bucket bounds in seconds. */
  les: number[];
  /** [method, route, status_code, count, sum, cumulative buckets incl. +Inf]. */
  http: Array<[string, string, string, number, number, number[]]>;
  cpu?: number;
  rss?: number;
  heap?: number;
  /** nodejs_eventloop_lag_p99_seconds */
  lag?: number;
}

function gauge(
  exposition: Exposition,
  name: string,
  agg: 'sum' | 'max' = 'sum',
) {
  const values = exposition.values.get(name);
  if (!values || values.length === 0) return undefined;
  return agg === 'max'
    ? Math.max(...values)
    : values.reduce((a, b) => a + b, 0);
}

export function compactSample(
  exposition: Exposition,
  t: number,
): CompactSample {
  const sample: CompactSample = { t, les: [], http: [] };
  for (const series of exposition.histogram.values()) {
    const entries = [...series.buckets].sort((a, b) => a[0] - b[0]);
    if (entries.length === 0) continue;
    const les = entries.filter(([le]) => Number.isFinite(le)).map(([le]) => le);
    if (sample.les.length === 0) sample.les = les;
    else if (les.join() !== sample.les.join()) continue;
    const counts = entries.map(([, c]) => c);
    const hasInf = !Number.isFinite(entries[entries.length - 1][0]);
    const count = series.count ?? (hasInf ? counts[counts.length - 1] : 0);
    if (!hasInf) counts.push(count);
    sample.http.push([
      series.labels.method ?? '',
      series.labels.route ?? '',
      series.labels.status_code ?? '',
      count,
      series.sum ?? 0,
      counts,
    ]);
  }
  sample.cpu = gauge(exposition, 'process_cpu_seconds_total');
  sample.rss = gauge(exposition, 'process_resident_memory_bytes');
  sample.heap = gauge(exposition, 'nodejs_heap_size_used_bytes');
  sample.lag = gauge(exposition, 'nodejs_eventloop_lag_p99_seconds', 'max');
  return sample;
}

/**
 * PromQL's histogram_quantile over cumulative bucket counts (last = +Inf):
 * linear interpolation inside the bucket holding the rank; the +Inf bucket
 * answers with the highest finite bound.
 */
export function histogramQuantile(q: number, les: number[], counts: number[]) {
  if (counts.length === 0 || les.length === 0) return undefined;
  const total = counts[counts.length - 1];
  if (!(total > 0)) return undefined;
  if (q <= 0) return q < 0 ? -Infinity : 0;
  if (q >= 1) return les[les.length - 1];
  const rank = q * total;
  let i = counts.findIndex(c => c >= rank);
  if (i < 0) i = counts.length - 1;
  if (i >= les.length) return les[les.length - 1];
  const bucketEnd = les[i];
  let bucketStart = 0;
  let countBefore = 0;
  if (i > 0) {
    bucketStart = les[i - 1];
    countBefore = counts[i - 1];
  } else if (bucketEnd <= 0) {
    return bucketEnd;
  }
  const inBucket = counts[i] - countBefore;
  if (inBucket <= 0) return bucketEnd;
  return (
    bucketStart + (bucketEnd - bucketStart) * ((rank - countBefore) / inBucket)
  );
}

function counterDelta(first: number | undefined, last: number) {
  const base = first ?? 0;
  return last >= base ? last - base : last; // a reset counts from zero
}

interface RouteAgg {
  method: string;
  route: string;
  requests: number;
  errors: number;
  buckets: number[];
}

/** Increases between two samples per (method, route). */
function routeDeltas(first: CompactSample | undefined, last: CompactSample) {
  const before = new Map<string, CompactSample['http'][number]>();
  if (first && first.les.join() === last.les.join()) {
    for (const s of first.http)
      before.set(`${s[0]}\u0000${s[1]}\u0000${s[2]}`, s);
  }
  const routes = new Map<string, RouteAgg>();
  for (const s of last.http) {
    const [method, route, status, count, , buckets] = s;
    const prev = before.get(`${method}\u0000${route}\u0000${status}`);
    const reset = prev !== undefined && count < prev[3];
    const delta = reset ? count : counterDelta(prev?.[3], count);
    const key = `${method}\u0000${route}`;
    let agg = routes.get(key);
    if (!agg) {
      agg = {
        method,
        route,
        requests: 0,
        errors: 0,
        buckets: buckets.map(() => 0),
      };
      routes.set(key, agg);
    }
    agg.requests += delta;
    if (status.startsWith('5')) agg.errors += delta;
    buckets.forEach((c, idx) => {
      const p = reset ? 0 : prev?.[5][idx] ?? 0;
      agg!.buckets[idx] += c >= p ? c - p : c;
    });
  }
  return [...routes.values()];
}

const ms = (seconds: number | undefined) =>
  seconds === undefined ? undefined : seconds * 1000;

export interface DirectSummary {
  requestRate: number;
  errorRate: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  routes: RouteMetrics[];
  process: {
    cpuUsage?: number;
    residentMemoryBytes?: number;
    heapUsedBytes?: number;
    eventLoopLagP99Ms?: number;
  };
}

/**
 * The figures between the first and the last sample: exact increases of the
 * counters (series appearing in between count from zero), rates over the time
 * between the two samples.
 */
export function summarize(
  first: CompactSample,
  last: CompactSample,
): DirectSummary {
  const seconds = Math.max((last.t - first.t) / 1000, 1e-3);
  const routes = routeDeltas(first, last);
  const les = last.les;
  const total = routes.reduce((a, r) => a + r.requests, 0);
  const errors = routes.reduce((a, r) => a + r.errors, 0);
  const allBuckets = les.length
    ? routes.reduce(
        (acc, r) => acc.map((v, i) => v + (r.buckets[i] ?? 0)),
        new Array(les.length + 1).fill(0),
      )
    : [];
  return {
    requestRate: total / seconds,
    errorRate: total > 0 ? errors / total : 0,
    p50Ms: ms(histogramQuantile(0.5, les, allBuckets)),
    p95Ms: ms(histogramQuantile(0.95, les, allBuckets)),
    p99Ms: ms(histogramQuantile(0.99, les, allBuckets)),
    routes: routes
      .filter(r => r.requests > 0)
      .map(r => ({
        method: r.method,
        route: r.route,
        requests: r.requests,
        requestRate: r.requests / seconds,
        errorRate: r.requests > 0 ? r.errors / r.requests : 0,
        p50Ms: ms(histogramQuantile(0.5, les, r.buckets)),
        p95Ms: ms(histogramQuantile(0.95, les, r.buckets)),
        p99Ms: ms(histogramQuantile(0.99, les, r.buckets)),
      }))
      .sort((a, b) => b.requests - a.requests),
    process: {
      cpuUsage:
        first.cpu !== undefined && last.cpu !== undefined
          ? counterDelta(first.cpu, last.cpu) / seconds
          : undefined,
      residentMemoryBytes: last.rss,
      heapUsedBytes: last.heap,
      eventLoopLagP99Ms: ms(last.lag),
    },
  };
}

/**
 * What the catalog's status shows of the window between two samples: all
 * requests, the 5xx among them and the p95, the same figures as
 * {@link summarize} (the same per-series increases, a reset counting from
 * zero), without the per-route figures: one pass over the series with no
 * per-route objects, because the batch status computes it for up to 1,000
 * services per request.
 */
export function requestFigures(
  first: CompactSample,
  last: CompactSample,
): { requests: number; errorRate: number; p95Ms?: number } {
  const before = new Map<string, CompactSample['http'][number]>();
  if (first.les.join() === last.les.join()) {
    for (const s of first.http) {
      before.set(`${s[0]}\u0000${s[1]}\u0000${s[2]}`, s);
    }
  }
  const les = last.les;
  const buckets: number[] = les.length ? new Array(les.length + 1).fill(0) : [];
  let requests = 0;
  let errors = 0;
  for (const s of last.http) {
    const [method, route, status, count, , counts] = s;
    const prev = before.get(`${method}\u0000${route}\u0000${status}`);
    const reset = prev !== undefined && count < prev[3];
    const delta = reset ? count : counterDelta(prev?.[3], count);
    requests += delta;
    if (status.startsWith('5')) errors += delta;
    const n = Math.min(counts.length, buckets.length);
    for (let i = 0; i < n; i++) {
      const c = counts[i];
      const p = reset ? 0 : prev?.[5][i] ?? 0;
      buckets[i] += c >= p ? c - p : c;
    }
  }
  return {
    requests,
    errorRate: requests > 0 ? errors / requests : 0,
    p95Ms: ms(histogramQuantile(0.95, les, buckets)),
  };
}

/**
 * A point per step: figures between the last samples at or before each
 * step's start and end. A step without a sample of its own (thinned-out
 * history, a scrape that missed the step) takes the average between the
 * samples around it when they are at most `maxGapMs(t)` apart; further apart
 * is a gap (the service was down or not scraped) and the point stays empty,
 * so the chart shows the gap instead of a line across it.
 */
export function seriesFromSamples(
  samples: CompactSample[],
  from: number,
  to: number,
  stepSeconds: number,
  maxGapMs: (t: number) => number = () => Infinity,
): MetricsPoint[] {
  const stepMs = stepSeconds * 1000;
  const points: MetricsPoint[] = [];
  /** Index of the last sample at or before t, -1 if none. */
  const indexAtOrBefore = (t: number) => {
    let found = -1;
    for (let i = 0; i < samples.length; i++) {
      if (samples[i].t <= t) found = i;
      else break;
    }
    return found;
  };
  for (let end = from + stepMs; end <= to + 1; end += stepMs) {
    const point: MetricsPoint = { t: end };
    let lastIdx = indexAtOrBefore(end);
    let firstIdx = indexAtOrBefore(end - stepMs);
    if (firstIdx < 0 && lastIdx >= 0) firstIdx = 0;
    let own = lastIdx >= 0 && samples[lastIdx].t > end - stepMs;
    if (!own && lastIdx >= 0 && lastIdx + 1 < samples.length) {
      // No sample inside this step: bridge from the one before to the one after.
      const before = samples[lastIdx];
      const after = samples[lastIdx + 1];
      if (after.t - before.t <= maxGapMs(end)) {
        firstIdx = lastIdx;
        lastIdx = lastIdx + 1;
        own = true;
      }
    }
    if (
      own &&
      firstIdx >= 0 &&
      firstIdx < lastIdx &&
      samples[firstIdx + 1].t - samples[firstIdx].t > maxGapMs(end)
    ) {
      // The step starts right after a gap: count from its first own sample.
      firstIdx++;
    }
    const last = lastIdx >= 0 ? samples[lastIdx] : undefined;
    const first = firstIdx >= 0 ? samples[firstIdx] : undefined;
    if (own && last && first && last.t > first.t) {
      const s = summarize(first, last);
      point.requestRate = s.requestRate;
      point.errorRate = s.errorRate;
      point.p50Ms = s.p50Ms;
      point.p95Ms = s.p95Ms;
      point.p99Ms = s.p99Ms;
      point.cpuUsage = s.process.cpuUsage;
    }
    if (own && last) {
      point.residentMemoryBytes = last.rss;
      point.eventLoopLagP99Ms = ms(last.lag);
    }
    points.push(point);
  }
  return points;
}
