/**
 * The annotation pointing at a service's OpenSLO file: a path relative to the
 * entity's source location (e.g. `./slo.yaml`) or an absolute URL the
 * backend's UrlReader can read.
 *
 * @public
 */
export const OPENSLO_ANNOTATION = 'fastify-backstage.io/openslo';

/**
 * The `metricSource.type` of the OpenSLO ratio metrics this plugin computes
 * itself, from the service's `http_request_duration_seconds` histogram.
 *
 * @public
 */
export const OPENSLO_METRIC_SOURCE_TYPE = 'fastify-backstage';

/**
 * The multi-window, multi-burn-rate alert pairs of the Google SRE workbook
 * (chapter 5): both windows of a pair must burn faster than the factor.
 *
 * @public
 */
export const SLO_BURN_ALERTS = {
  page: { longWindow: '1h', shortWindow: '5m', factor: 14.4 },
  ticket: { longWindow: '6h', shortWindow: '30m', factor: 6 },
} as const;

/** The windows burn rates are reported for. @public */
export type BurnWindow = '5m' | '30m' | '1h' | '6h';

/** @public */
export const BURN_WINDOWS: BurnWindow[] = ['5m', '30m', '1h', '6h'];

/** What an SLO's indicator measures. @public */
export type SloIndicator =
  | { type: 'availability' }
  | { type: 'latency'; thresholdSeconds: number };

/** One objective of an OpenSLO `SLO`, as the plugin understood it. @public */
export interface SloDefinition {
  /** `metadata.name` of the SLO, plus `/<objective name>` when it has several objectives. */
  name: string;
  displayName?: string;
  description?: string;
  indicator: SloIndicator;
  /** Ratio of good events the objective asks for, 0 < target < 1 (e.g. 0.999). */
  target: number;
  /** Rolling window, in seconds (e.g. 28 d = 2,419,200). */
  windowSeconds: number;
  /** The window as written in the file (e.g. `28d`). */
  window: string;
}

/**
 * `ok`: no alert condition holds and budget is left; `ticket`/`page`: the
 * slow or fast burn condition holds; `exhausted`: no budget left, not burning
 * fast; `no-data`: no requests in the window; `error`: the data cannot
 * answer this SLO (see `error`, e.g. a latency threshold that is not a bucket
 * bound of the histogram).
 *
 * @public
 */
export type SloStatus =
  | 'ok'
  | 'ticket'
  | 'page'
  | 'exhausted'
  | 'no-data'
  | 'error';

/** One SLO's figures at `asOf`. @public */
export interface SloReport extends SloDefinition {
  status: SloStatus;
  /** Good events / all events over the window; absent without events. */
  sli?: number;
  /** 1 − bad / (total × (1 − target)); negative when overspent. */
  errorBudgetRemaining?: number;
  /** Events in the window (requests). */
  totalEvents?: number;
  badEvents?: number;
  /** (1 − SLI over the window) / (1 − target); absent when the window had no requests. */
  burnRates: Partial<Record<BurnWindow, number>>;
  alerts: { page: boolean; ticket: boolean };
  /** Why the SLO could not be computed (status `error`). */
  error?: string;
}

/**
 * The data of `GET /entities/:kind/:namespace/:name/slos?environment=`
 * (a `SourcedResponse<EntitySlos>`).
 *
 * @public
 */
export interface EntitySlos {
  entityRef: string;
  environment: string;
  /** The OpenSLO file read (absolute URL). */
  file: string;
  /** End of the evaluated windows (ISO): the end of the last closed 5-minute bucket for the direct source. */
  asOf: string;
  slos: SloReport[];
}

/** An SLO's figures over its window ending at `t` (epoch ms). @public */
export interface SloHistoryPoint {
  t: number;
  sli?: number;
  errorBudgetRemaining?: number;
}

/**
 * The data of `GET /entities/:kind/:namespace/:name/slos/history?environment=&from=&to=&step=`
 * (a `SourcedResponse<SloHistory>`): each SLO's SLI and budget left at every
 * step, for charting the budget's burn over a range.
 *
 * @public
 */
export interface SloHistory {
  entityRef: string;
  environment: string;
  from: string;
  to: string;
  stepSeconds: number;
  slos: Array<{
    name: string;
    target: number;
    window: string;
    points: SloHistoryPoint[];
    /** Why this SLO has no points (e.g. a latency threshold that is not a bucket bound). */
    error?: string;
  }>;
}
