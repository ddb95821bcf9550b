import type { CompactSample } from '../metrics/samples';

/** Length of one aggregate bucket. */
export const BUCKET_MS = 5 * 60_000;

/**
 * Requests of one service in one 5-minute bucket: counts per status class
 * (`1xx`…`5xx`, `other` for a missing or odd status label) and per latency
 * bucket bound (`le` as the service prints it → requests at most that long;
 * `+Inf` = all). Only the bounds every sample of the bucket had are kept, so
 * a present bound is never a partial count.
 */
export interface SloBucket {
  start: number;
  total: number;
  statuses: Record<string, number>;
  le: Record<string, number>;
}

function statusClass(status: string) {
  return /^[1-5][0-9][0-9]$/.test(status) ? `${status[0]}xx` : 'other';
}

/** A finite bound as Prometheus' `le` label prints it (prom-client uses JS number formatting). */
export function leLabel(seconds: number) {
  return String(seconds);
}

type Series = CompactSample['http'][number];
const seriesKey = (s: Series) => `${s[0]}\u0000${s[1]}\u0000${s[2]}`;

/**
 * The requests between two successive scrapes, per series. A counter that went
 * down, or a changed set of bucket bounds, means the process restarted: its
 * values are then all new since the restart (as PromQL's increase() reads a
 * reset). A series absent before counts from zero.
 */
export function scrapeDelta(
  previous: CompactSample | undefined,
  current: CompactSample,
): Omit<SloBucket, 'start'> {
  const les = current.les;
  const sameBounds =
    previous !== undefined && previous.les.join() === les.join();
  const before = new Map<string, Series>();
  if (sameBounds) for (const s of previous!.http) before.set(seriesKey(s), s);
  // A restart resets every series of the process at once.
  const restarted =
    sameBounds &&
    current.http.some(s => {
      const p = before.get(seriesKey(s));
      return p !== undefined && s[3] < p[3];
    });
  const delta: Omit<SloBucket, 'start'> = { total: 0, statuses: {}, le: {} };
  const labels = [...les.map(leLabel), '+Inf'];
  for (const label of labels) delta.le[label] = 0;
  for (const s of current.http) {
    const p = restarted || !sameBounds ? undefined : before.get(seriesKey(s));
    const count = Math.max(0, s[3] - (p?.[3] ?? 0));
    if (count === 0) continue;
    delta.total += count;
    const cls = statusClass(s[2]);
    delta.statuses[cls] = (delta.statuses[cls] ?? 0) + count;
    s[5].forEach((c, i) => {
      if (i < labels.length) {
        delta.le[labels[i]] += Math.max(0, c - (p?.[5][i] ?? 0));
      }
    });
  }
  return delta;
}

/** Adds `delta` into `bucket`, keeping only the bounds both have. */
export function addInto(
  bucket: Omit<SloBucket, 'start'>,
  delta: Omit<SloBucket, 'start'>,
  first: boolean,
) {
  bucket.total += delta.total;
  for (const [k, v] of Object.entries(delta.statuses)) {
    bucket.statuses[k] = (bucket.statuses[k] ?? 0) + v;
  }
  if (first) {
    bucket.le = { ...delta.le };
    return;
  }
  for (const k of Object.keys(bucket.le)) {
    if (k in delta.le) bucket.le[k] += delta.le[k];
    else delete bucket.le[k];
  }
}

/**
 * The buckets of the samples, each delta counted in the bucket of its later
 * scrape. `previous` is the last sample before the first one (the baseline);
 * without it the first sample is only a baseline. Only buckets starting in
 * [from, to) are returned; empty ones are left out.
 */
export function bucketsFromSamples(
  previous: CompactSample | undefined,
  samples: CompactSample[],
  from: number,
  to: number,
): SloBucket[] {
  const buckets = new Map<number, SloBucket>();
  const seen = new Set<number>();
  let prev = previous;
  for (const sample of samples) {
    const start = Math.floor(sample.t / BUCKET_MS) * BUCKET_MS;
    if (prev !== undefined && start >= from && start < to) {
      const delta = scrapeDelta(prev, sample);
      let bucket = buckets.get(start);
      if (!bucket) {
        bucket = { start, total: 0, statuses: {}, le: {} };
        buckets.set(start, bucket);
      }
      addInto(bucket, delta, !seen.has(start));
      seen.add(start);
    }
    prev = sample;
  }
  return [...buckets.values()]
    .filter(b => b.total > 0)
    .sort((a, b) => a.start - b.start);
}
