import type {
  BurnWindow,
  SloDefinition,
  SloReport,
} from '@fastify-backstage/plugin-service-health-common';
import { BURN_WINDOWS } from '@fastify-backstage/plugin-service-health-common';
import type { LabelMatcher } from '../metrics/promql';
import { buildReport, SloDataError } from './evaluate';
import {
  badQuery,
  errorRatioQuery,
  goodLatencyQuery,
  totalQuery,
} from './promql';

/** What the SLO evaluation needs of a Prometheus source. */
export interface InstantQuerier {
  instantQuery(
    query: string,
    time: Date,
  ): Promise<
    Array<{ metric: Record<string, string>; value: [number, string] }>
  >;
}

const first = (r: Array<{ value: [number, string] }>) => {
  const n = Number(r[0]?.value[1]);
  return r.length > 0 && Number.isFinite(n) ? n : undefined;
};

/**
 * An SLO's report from Prometheus at `at`: events over the SLO window with
 * increase(), and the error ratio of each burn window with rate(), as the
 * recording rules of {@link sloRulesYaml} compute them.
 */
export async function reportFromPrometheus(
  slo: SloDefinition,
  matchers: LabelMatcher[],
  prometheus: InstantQuerier,
  at: Date,
): Promise<SloReport> {
  const w = slo.window;
  const [total, bad, good, ...burns] = await Promise.all([
    prometheus.instantQuery(totalQuery(matchers, w), at),
    prometheus.instantQuery(badQuery(slo, matchers, w), at),
    slo.indicator.type === 'latency'
      ? prometheus.instantQuery(goodLatencyQuery(slo, matchers, w), at)
      : Promise.resolve([]),
    ...BURN_WINDOWS.map(b =>
      prometheus.instantQuery(errorRatioQuery(slo, matchers, b), at),
    ),
  ]);
  const totalEvents = first(total);
  if (
    slo.indicator.type === 'latency' &&
    totalEvents !== undefined &&
    totalEvents > 0 &&
    first(good) === undefined
  ) {
    throw new SloDataError(
      `The latency threshold ${slo.indicator.thresholdSeconds}s of SLO ${slo.name} is not a bucket bound (le) of the service's http_request_duration_seconds histogram in Prometheus`,
    );
  }
  const badEvents = first(bad);
  const burn: Partial<Record<BurnWindow, number | undefined>> = {};
  BURN_WINDOWS.forEach((b, i) => {
    burn[b] = first(burns[i]);
  });
  return buildReport(
    slo,
    {
      badRatio:
        totalEvents && badEvents !== undefined
          ? Math.max(0, badEvents) / totalEvents
          : undefined,
      total: totalEvents,
      bad: badEvents,
    },
    burn,
  );
}
