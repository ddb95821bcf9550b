import type { CompactSample } from '../../metrics/samples';

/**
 * Synthetic scrape histories with known answers. Each minute of the history
 * has a number of requests, of which `errors` answered 5xx and `slow` (all
 * 200s) took 0.5–1 s; the rest took under 50 ms. Scrapes happen 1 s before a
 * minute boundary and include every request of the minutes before them, so
 * the requests of a window that starts and ends on minute boundaries are
 * known exactly.
 */
export interface MinuteTraffic {
  requests: number;
  errors: number;
  slow: number;
}

export const LES = [0.05, 0.1, 0.3, 0.5, 1];
const MINUTE = 60_000;

export interface HistoryOptions {
  /** End of the history: a 5-minute boundary (epoch ms). */
  end: number;
  /** History length in minutes. */
  minutes: number;
  /** Traffic of the minute starting `minutesBeforeEnd` minutes before `end` (1 = the last minute). */
  traffic: (minutesBeforeEnd: number) => MinuteTraffic;
  /** Scrape every minute during the last `fineMinutes`, every 5 minutes before. */
  fineMinutes: number;
  /** The process restarts just after the scrape this many minutes before the end (counters start again from 0). */
  restartMinutesBeforeEnd?: number;
}

interface Counters {
  ok: number;
  okFast: number;
  err: number;
}

/** The scrapes of the history, as the direct source stores them. */
export function syntheticSamples(o: HistoryOptions): CompactSample[] {
  const samples: CompactSample[] = [];
  let c: Counters = { ok: 0, okFast: 0, err: 0 };
  for (let m = o.minutes; m >= 1; m--) {
    const t = o.traffic(m);
    c.ok += t.requests - t.errors;
    c.okFast += t.requests - t.errors - t.slow;
    c.err += t.errors;
    const minutesBeforeEndAfter = m - 1; // the minute has ended now
    const at = o.end - minutesBeforeEndAfter * MINUTE - 1000;
    const scraped =
      minutesBeforeEndAfter < o.fineMinutes || minutesBeforeEndAfter % 5 === 0;
    if (scraped) {
      samples.push({
        t: at,
        les: LES,
        http: [
          [
            'GET',
            '/v1/items/:id',
            '200',
            c.ok,
            0,
            [c.okFast, c.okFast, c.okFast, c.okFast, c.ok, c.ok],
          ],
          [
            'GET',
            '/v1/items/:id',
            '500',
            c.err,
            0,
            [c.err, c.err, c.err, c.err, c.err, c.err],
          ],
        ],
      });
      if (o.restartMinutesBeforeEnd === minutesBeforeEndAfter) {
        c = { ok: 0, okFast: 0, err: 0 };
      }
    }
  }
  return samples;
}

/** Requests and bad requests in the `minutes` before `end`. */
export function knownCounts(
  o: HistoryOptions,
  minutes: number,
  indicator: 'availability' | 'latency',
) {
  let total = 0;
  let bad = 0;
  for (let m = 1; m <= Math.min(minutes, o.minutes); m++) {
    const t = o.traffic(m);
    total += t.requests;
    bad += indicator === 'availability' ? t.errors : t.slow;
  }
  return { total, bad };
}

/**
 * The same history in the OpenMetrics text format, for
 * `promtool tsdb create-blocks-from openmetrics` (timestamps in seconds).
 */
export function toOpenMetrics(
  samples: CompactSample[],
  labels: Record<string, string>,
): string {
  const base = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const lines = [
    '# HELP http_request_duration_seconds Duration of HTTP requests in seconds',
    '# TYPE http_request_duration_seconds histogram',
  ];
  const seriesCount = samples[0]?.http.length ?? 0;
  for (let i = 0; i < seriesCount; i++) {
    const [method, route, status] = samples[0].http[i];
    const l = `${base},method="${method}",route="${route}",status_code="${status}"`;
    const bounds = [...LES.map(String), '+Inf'];
    bounds.forEach((le, b) => {
      for (const s of samples) {
        lines.push(
          `http_request_duration_seconds_bucket{${l},le="${le}"} ${
            s.http[i][5][b]
          } ${s.t / 1000}`,
        );
      }
    });
    for (const s of samples) {
      lines.push(
        `http_request_duration_seconds_count{${l}} ${s.http[i][3]} ${
          s.t / 1000
        }`,
      );
    }
    for (const s of samples) {
      lines.push(
        `http_request_duration_seconds_sum{${l}} ${s.http[i][4]} ${s.t / 1000}`,
      );
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

/**
 * The scenarios of the tests: `days` (and an hour before them) at 1,000
 * requests a minute, an old incident, and a burn at the end.
 */
export function scenario(
  kind: 'fast-burn' | 'slow-burn' | 'quiet',
  end: number,
  days = 28,
): HistoryOptions {
  const DAY = 1440;
  const incident = Math.min(10 * DAY, (days * DAY) / 2);
  return {
    end,
    minutes: days * DAY + 60,
    fineMinutes: 7 * 60,
    restartMinutesBeforeEnd: kind === 'slow-burn' ? 180 : undefined,
    traffic: m => {
      let errors = 0;
      // an old incident: 60 minutes at 5 % errors, ten days ago (or mid-history)
      if (m > incident && m <= incident + 60) errors = 50;
      // fast burn: 2 % errors (20× the 0.1 % budget) in the last hour
      if (kind === 'fast-burn' && m <= 60) errors = 20;
      // slow burn: 0.8 % errors (8×) in the last 6 hours
      if (kind === 'slow-burn' && m <= 360) errors = 8;
      return { requests: 1000, errors, slow: 20 };
    },
  };
}
