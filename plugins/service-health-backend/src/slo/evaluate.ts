import {
  BURN_WINDOWS,
  BurnWindow,
  SLO_BURN_ALERTS,
  SloDefinition,
  SloReport,
  SloStatus,
} from '@fastify-backstage/plugin-service-health-common';
import { SourceError } from '../errors';
import { leLabel, SloBucket } from './buckets';
import { parseDuration } from './openslo';

/** Thrown when the data cannot answer the SLO (e.g. the threshold is not a histogram bound). */
export class SloDataError extends SourceError {
  name = 'SloDataError';
  constructor(message: string) {
    super(message, 'invalid');
  }
}

export interface EventCounts {
  total: number;
  bad: number;
}

/** Seconds of each burn-rate window. */
export const BURN_WINDOW_SECONDS: Record<BurnWindow, number> =
  Object.fromEntries(BURN_WINDOWS.map(w => [w, parseDuration(w)!])) as Record<
    BurnWindow,
    number
  >;

/** Total and bad events of the SLO's indicator in the given buckets. */
export function countEvents(
  slo: SloDefinition,
  buckets: SloBucket[],
): EventCounts {
  let total = 0;
  let bad = 0;
  for (const b of buckets) {
    if (b.total <= 0) continue;
    total += b.total;
    if (slo.indicator.type === 'availability') {
      bad += b.statuses['5xx'] ?? 0;
    } else {
      const le = leLabel(slo.indicator.thresholdSeconds);
      const good = b.le[le];
      if (good === undefined) {
        const bounds = Object.keys(b.le)
          .filter(k => k !== '+Inf')
          .sort((x, y) => Number(x) - Number(y));
        throw new SloDataError(
          `The latency threshold ${le}s of SLO ${
            slo.name
          } is not a bucket bound of the service's http_request_duration_seconds histogram (bounds: ${
            bounds.join(', ') || 'none'
          })`,
        );
      }
      bad += Math.max(0, b.total - good);
    }
  }
  return { total, bad };
}

/**
 * An SLO's report from the bad ratio of its window and of each burn window
 * (undefined: no events). Burn rate = bad ratio / (1 − target): 1 spends the
 * budget exactly over the window. Page when both the 1 h and 5 m windows burn
 * faster than 14.4, ticket when both 6 h and 30 m burn faster than 6 (the SRE
 * workbook's multiwindow, multi-burn-rate alerts).
 */
export function buildReport(
  slo: SloDefinition,
  window: { badRatio?: number; total?: number; bad?: number },
  burnBadRatios: Partial<Record<BurnWindow, number | undefined>>,
): SloReport {
  const budget = 1 - slo.target;
  const burnRates: Partial<Record<BurnWindow, number>> = {};
  for (const w of BURN_WINDOWS) {
    const r = burnBadRatios[w];
    if (r !== undefined && Number.isFinite(r)) burnRates[w] = r / budget;
  }
  const over = (w: BurnWindow, factor: number) =>
    burnRates[w] !== undefined && burnRates[w]! > factor;
  const alerts = {
    page:
      over(SLO_BURN_ALERTS.page.longWindow, SLO_BURN_ALERTS.page.factor) &&
      over(SLO_BURN_ALERTS.page.shortWindow, SLO_BURN_ALERTS.page.factor),
    ticket:
      over(SLO_BURN_ALERTS.ticket.longWindow, SLO_BURN_ALERTS.ticket.factor) &&
      over(SLO_BURN_ALERTS.ticket.shortWindow, SLO_BURN_ALERTS.ticket.factor),
  };
  const ratio =
    window.badRatio !== undefined && Number.isFinite(window.badRatio)
      ? window.badRatio
      : undefined;
  const sli = ratio === undefined ? undefined : 1 - ratio;
  const errorBudgetRemaining =
    ratio === undefined ? undefined : 1 - ratio / budget;
  let status: SloStatus;
  if (ratio === undefined) status = 'no-data';
  else if (alerts.page) status = 'page';
  else if (alerts.ticket) status = 'ticket';
  else if (errorBudgetRemaining! <= 0) status = 'exhausted';
  else status = 'ok';
  return {
    ...slo,
    status,
    sli,
    errorBudgetRemaining,
    totalEvents: window.total,
    badEvents: window.bad,
    burnRates,
    alerts,
  };
}

/**
 * An SLO's report from stored 5-minute buckets, at `asOf` (a bucket
 * boundary): each window is the whole buckets ending at `asOf`.
 */
export function reportFromBuckets(
  slo: SloDefinition,
  buckets: SloBucket[],
  asOf: number,
): SloReport {
  const within = (seconds: number) =>
    buckets.filter(b => b.start >= asOf - seconds * 1000 && b.start < asOf);
  const ratio = (c: EventCounts) => (c.total > 0 ? c.bad / c.total : undefined);
  const window = countEvents(slo, within(slo.windowSeconds));
  const burn: Partial<Record<BurnWindow, number | undefined>> = {};
  for (const w of BURN_WINDOWS) {
    burn[w] = ratio(countEvents(slo, within(BURN_WINDOW_SECONDS[w])));
  }
  return buildReport(
    slo,
    { badRatio: ratio(window), total: window.total, bad: window.bad },
    burn,
  );
}
