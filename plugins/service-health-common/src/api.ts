import type { HealthHistory, HealthSnapshot, Release } from './health';
import type { MetricsSeries, MetricsSummary } from './metrics';
import type { EntitySlos } from './slo';
import type { Trace, TraceQuery, TraceSummary } from './traces';

/**
 * Why a source gave nothing usable. `connection` and `timeout` make it
 * `unreachable`; the others are an `error` (it answered, but wrongly):
 * `http-status` (e.g. 500), `too-large` (over the response size limit),
 * `invalid` (a body, or an annotation, that cannot be parsed), `sample-limit` (a scrape with
 * more series than the configured limit, as Prometheus' `sample_limit`),
 * `refused` (the URL may not be called).
 *
 * @public
 */
export type SourceFailure =
  | 'connection'
  | 'timeout'
  | 'http-status'
  | 'too-large'
  | 'invalid'
  | 'sample-limit'
  | 'refused';

/** Every {@link SourceFailure}. @public */
export const SOURCE_FAILURES: readonly SourceFailure[] = [
  'connection',
  'timeout',
  'http-status',
  'too-large',
  'invalid',
  'sample-limit',
  'refused',
];

/**
 * Where a piece of data came from and whether that source answered.
 * `unreachable`: we could not reach the monitoring source (Prometheus, Jaeger,
 * Tempo, or the service's own `/metrics` when scraping directly), which is a
 * different thing from the service being down.
 *
 * @public
 */
export interface SourceState {
  /** e.g. `direct`, `prometheus`, `embedded`, `jaeger`, `tempo`. */
  source: string;
  status: 'ok' | 'unreachable' | 'error' | 'no-data';
  /** With `unreachable` and `error`: what went wrong, when known. */
  reason?: SourceFailure;
  message?: string;
}

/** Every data response: the data (absent when none) and its source's state. @public */
export interface SourcedResponse<T> {
  data?: T;
  source: SourceState;
}

/** One environment of an entity, as configured. @public */
export interface ServiceEnvironment {
  name: string;
  title?: string;
  baseUrl: string;
  metricsSource: string;
  tracesSource: string;
}

/** A time window; ISO times. Default: the last hour. @public */
export interface TimeWindow {
  environment?: string;
  from?: string;
  to?: string;
}

/** Ref of the entity the calls are about, e.g. `component:default/orders`. @public */
export type EntityRefString = string;

/**
 * The service-health backend's API, implemented by the frontend's HTTP client.
 * Paths (relative to the plugin's base URL, `/api/service-health`):
 *
 * - `GET  /entities/:kind/:namespace/:name/environments`
 * - `GET  /entities/:kind/:namespace/:name/health?environment=`
 * - `POST /entities/:kind/:namespace/:name/health/refresh?environment=`
 * - `GET  /entities/:kind/:namespace/:name/health/history?environment=&from=&to=`
 * - `GET  /entities/:kind/:namespace/:name/metrics/summary?environment=&from=&to=`
 * - `GET  /entities/:kind/:namespace/:name/metrics/series?environment=&from=&to=&step=`
 * - `GET  /entities/:kind/:namespace/:name/traces?environment=&from=&to=&errorsOnly=&minDurationMs=&operation=&limit=`
 * - `GET  /entities/:kind/:namespace/:name/traces/:traceId?environment=`
 * - `POST /otlp/v1/traces` (OTLP/HTTP, JSON or protobuf; the embedded receiver)
 *
 * Errors are Backstage's serialized errors (`InputError` 400,
 * `NotAllowedError` 403, `NotFoundError` 404).
 *
 * @public
 */
export interface ServiceHealthApi {
  getEnvironments(entityRef: EntityRefString): Promise<ServiceEnvironment[]>;
  getHealth(
    entityRef: EntityRefString,
    options?: { environment?: string },
  ): Promise<SourcedResponse<HealthSnapshot>>;
  refreshHealth(
    entityRef: EntityRefString,
    options?: { environment?: string },
  ): Promise<SourcedResponse<HealthSnapshot>>;
  getHealthHistory(
    entityRef: EntityRefString,
    window?: TimeWindow,
  ): Promise<SourcedResponse<HealthHistory>>;
  getMetricsSummary(
    entityRef: EntityRefString,
    window?: TimeWindow,
  ): Promise<SourcedResponse<MetricsSummary>>;
  getMetricsSeries(
    entityRef: EntityRefString,
    window?: TimeWindow & { stepSeconds?: number },
  ): Promise<SourcedResponse<MetricsSeries>>;
  listTraces(
    entityRef: EntityRefString,
    query?: TraceQuery,
  ): Promise<SourcedResponse<TraceSummary[]>>;
  getTrace(
    entityRef: EntityRefString,
    traceId: string,
    options?: { environment?: string },
  ): Promise<SourcedResponse<Trace>>;
  /** Releases the service reported in the window: deploy markers. */
  getReleases(
    entityRef: EntityRefString,
    window?: TimeWindow,
  ): Promise<SourcedResponse<Release[]>>;
  /** The entity's SLOs (from its OpenSLO file) with SLI, budget and burn rates. */
  getSlos(
    entityRef: EntityRefString,
    options?: { environment?: string },
  ): Promise<SourcedResponse<EntitySlos>>;
}
