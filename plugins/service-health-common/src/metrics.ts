/** Figures of one route over a window. Latencies are in milliseconds. @public */
export interface RouteMetrics {
  method: string;
  route: string;
  /** Requests per second. */
  requestRate: number;
  /** Share of 5xx responses, 0..1. */
  errorRate: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  requests: number;
}

/** Process figures of the service (latest values). @public */
export interface ProcessMetrics {
  /** CPU seconds used per second over the window (1 = one full core). */
  cpuUsage?: number;
  residentMemoryBytes?: number;
  heapUsedBytes?: number;
  eventLoopLagP99Ms?: number;
}

/**
 * Request rate, error rate and latency (RED) plus process figures of a service
 * over a window, whichever source they came from.
 *
 * @public
 */
export interface MetricsSummary {
  entityRef: string;
  environment: string;
  from: string;
  to: string;
  requestRate: number;
  errorRate: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  routes: RouteMetrics[];
  process: ProcessMetrics;
  /**
   * True when the route counts (`RouteMetrics.requests`) are estimates: from
   * Prometheus, `increase()` extrapolates the samples it has to the window's
   * edges (typically a few percent above the requests actually served), so
   * show them as estimates. Absent or false: exact increases of the counters
   * between two scrapes (the direct source).
   */
  countsEstimated?: boolean;
}

/** One point of the metric time series. @public */
export interface MetricsPoint {
  /** Epoch milliseconds at the end of the step. */
  t: number;
  requestRate?: number;
  errorRate?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  cpuUsage?: number;
  residentMemoryBytes?: number;
  eventLoopLagP99Ms?: number;
}

/** @public */
export interface MetricsSeries {
  entityRef: string;
  environment: string;
  from: string;
  to: string;
  stepSeconds: number;
  /**
   * ISO time of the oldest data the source holds for the service, when it is
   * inside the window: the points start there (with a step fitting that
   * span), not at `from`.
   */
  dataSince?: string;
  points: MetricsPoint[];
}
