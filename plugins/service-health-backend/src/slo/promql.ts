import {
  BURN_WINDOWS,
  SLO_BURN_ALERTS,
  SloDefinition,
} from '@fastify-backstage/plugin-service-health-common';
import { stringify } from 'yaml';
import { formatLabelMatchers, LabelMatcher } from '../metrics/promql';
import { leLabel } from './buckets';

/**
 * PromQL for SLOs over the skeleton's `http_request_duration_seconds`
 * histogram, shaped like the rules Sloth and Pyrra generate. Label matchers
 * come parsed and re-escaped (see metrics/promql.ts); nothing else from a
 * catalog or OpenSLO file reaches a query except numbers.
 */

const COUNT = 'http_request_duration_seconds_count';
const BUCKET = 'http_request_duration_seconds_bucket';

function sel(m: LabelMatcher[], extra?: string) {
  return `{${[formatLabelMatchers(m), extra].filter(Boolean).join(',')}}`;
}

/** A Prometheus duration for a window in seconds (`28d`, `6h`, `5m`, else seconds). */
export function promDuration(seconds: number) {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Requests in the window (`fn` = increase for counts, rate for ratios). */
export function totalQuery(m: LabelMatcher[], w: string, fn = 'increase') {
  return `sum(${fn}(${COUNT}${sel(m)}[${w}]))`;
}

/** Bad events of the SLO's indicator in the window; an absent error series counts as 0. */
export function badQuery(
  slo: SloDefinition,
  m: LabelMatcher[],
  w: string,
  fn = 'increase',
) {
  if (slo.indicator.type === 'availability') {
    return `(sum(${fn}(${COUNT}${sel(
      m,
      'status_code=~"5.."',
    )}[${w}])) or vector(0))`;
  }
  return `(${totalQuery(m, w, fn)} - ${goodLatencyQuery(slo, m, w, fn)})`;
}

/** Requests at most as long as the latency threshold (the histogram bucket `le`). */
export function goodLatencyQuery(
  slo: SloDefinition,
  m: LabelMatcher[],
  w: string,
  fn = 'increase',
) {
  if (slo.indicator.type !== 'latency') throw new Error('not a latency SLO');
  const le = leLabel(slo.indicator.thresholdSeconds);
  return `sum(${fn}(${BUCKET}${sel(m, `le="${le}"`)}[${w}]))`;
}

/** The share of bad events in the window (Sloth's `slo:sli_error:ratio_rate<w>`). */
export function errorRatioQuery(
  slo: SloDefinition,
  m: LabelMatcher[],
  w: string,
) {
  return `${badQuery(slo, m, w, 'rate')} / ${totalQuery(m, w, 'rate')}`;
}

function sloId(service: string, slo: SloDefinition) {
  return `${service}-${slo.name.replace(/\//g, '-')}`;
}

/**
 * Prometheus recording and alerting rules for the SLOs (one group each):
 * the error ratio over the burn windows and over the SLO window, the
 * objective, budget and burn rates as series, and the SRE workbook's two
 * multiwindow burn-rate alerts (page: 1 h and 5 m over 14.4×; ticket: 6 h and
 * 30 m over 6×), labelled `severity: page|ticket`.
 */
export function sloRulesYaml(
  service: string,
  slos: SloDefinition[],
  matchers: LabelMatcher[],
): string {
  const groups = slos.map(slo => {
    const id = sloId(service, slo);
    const labels = { slo_id: id, slo_service: service, slo_name: slo.name };
    const only = `{slo_id="${id}"}`;
    const budget = Number((1 - slo.target).toPrecision(12));
    const recordings = [...BURN_WINDOWS].map(w => ({
      record: `slo:sli_error:ratio_rate${w}`,
      expr: errorRatioQuery(slo, matchers, w),
      labels: { ...labels, slo_window: w },
    }));
    const period = slo.window;
    const rules: object[] = [
      ...recordings,
      {
        record: `slo:sli_error:ratio_rate${period}`,
        expr: `sum_over_time(slo:sli_error:ratio_rate5m${only}[${period}]) / ignoring (slo_window) count_over_time(slo:sli_error:ratio_rate5m${only}[${period}])`,
        labels: { ...labels, slo_window: period },
      },
      { record: 'slo:objective:ratio', expr: `vector(${slo.target})`, labels },
      { record: 'slo:error_budget:ratio', expr: `vector(${budget})`, labels },
      {
        record: 'slo:current_burn_rate:ratio',
        expr: `slo:sli_error:ratio_rate5m${only} / on (slo_id, slo_service, slo_name) group_left slo:error_budget:ratio${only}`,
        labels,
      },
      {
        record: 'slo:period_burn_rate:ratio',
        expr: `slo:sli_error:ratio_rate${period}${only} / on (slo_id, slo_service, slo_name) group_left slo:error_budget:ratio${only}`,
        labels,
      },
      {
        record: 'slo:period_error_budget_remaining:ratio',
        expr: `1 - slo:period_burn_rate:ratio${only}`,
        labels,
      },
    ];
    for (const [severity, a] of Object.entries(SLO_BURN_ALERTS)) {
      const threshold = `(${a.factor} * ${budget})`;
      rules.push({
        alert:
          severity === 'page'
            ? 'SloErrorBudgetBurnPage'
            : 'SloErrorBudgetBurnTicket',
        expr: `(slo:sli_error:ratio_rate${a.longWindow}${only} > ${threshold}) and ignoring (slo_window) (slo:sli_error:ratio_rate${a.shortWindow}${only} > ${threshold})`,
        labels: { ...labels, severity },
        annotations: {
          summary: `${service}: SLO ${slo.name} burns its error budget ${a.factor}× too fast`,
          description: `The error ratio over ${a.longWindow} and over ${a.shortWindow} is above ${a.factor}× the budget of ${budget} (objective ${slo.target} over ${period}).`,
        },
      });
    }
    return { name: `slo:${id}`, rules };
  });
  return stringify({ groups }, { lineWidth: 0, aliasDuplicateObjects: false });
}
