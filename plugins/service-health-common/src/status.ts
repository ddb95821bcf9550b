import type { ProbeStatus } from './health';

/**
 * The state of a service as the catalog shows it, from stored probes only.
 *
 * - `pass` / `warn` / `fail`: the latest probe (`fail` includes a service
 *   that did not answer, `down`: see {@link EntityStatus.probeStatus}).
 * - `not-started`: probes exist but none ever passed (a service registered
 *   and never run, or one that never became healthy).
 * - `unknown`: no probe yet, or no base-url annotation, or a refused URL.
 *
 * @public
 */
export type CatalogHealthState =
  | 'pass'
  | 'warn'
  | 'fail'
  | 'not-started'
  | 'unknown';

/** Request figures of the last minutes, from stored direct-scrape samples. @public */
export interface EntityStatusMetrics {
  /** Start and end of the samples the figures come from (ISO). */
  from: string;
  to: string;
  requests: number;
  /** Share of requests answered 5xx, 0..1. */
  errorRate: number;
  /** Undefined without requests in the window. */
  p95Ms?: number;
}

/** One entity's status in the batch answer. @public */
export interface EntityStatus {
  entityRef: string;
  state: CatalogHealthState;
  /** The environment the state is about (the requested one, or the entity's first). */
  environment?: string;
  /** The latest probe's own status (`down`: no answer or 5xx). */
  probeStatus?: ProbeStatus;
  /** When the latest probe ran (ISO). */
  checkedAt?: string;
  /**
   * Since when the service has been in this state (ISO): the first probe
   * after the last one with another state (a down and a failing probe are
   * one outage). Probes older than the raw window are kept as buckets, so a
   * start found in them is accurate to a bucket. For `not-started`, the
   * first probe stored.
   */
  since?: string;
  /**
   * True when the state may have begun before `since`: every probe kept one
   * by one had this status, and older history is only in buckets (not read
   * for a passing service) or gone (`serviceHealth.health.retentionDays`).
   */
  sinceIsLowerBound?: boolean;
  /** Why the state is `unknown`, in words. */
  reason?: string;
  /** From the direct scrape; absent for other metrics sources or without samples. */
  metrics?: EntityStatusMetrics;
}

/** `POST /status` body. @public */
export interface StatusBatchRequest {
  entityRefs: string[];
  environment?: string;
}

/**
 * `POST /status` answer: one item per requested ref, in the request's order;
 * `null` for an entity that does not exist or that the user may not read
 * (the two are not told apart).
 *
 * @public
 */
export interface StatusBatchResponse {
  items: Array<EntityStatus | null>;
}

/** At most this many refs per batch request. @public */
export const MAX_STATUS_BATCH = 1000;

/** Severity rank for sorting, worst first (lower is worse). @public */
export function catalogHealthRank(
  status: Pick<EntityStatus, 'state' | 'probeStatus'> | undefined,
): number {
  if (!status) return 6;
  switch (status.state) {
    case 'fail':
      // a stopped service (no answer) before one that answers "fail"
      return status.probeStatus === 'down' ? 0 : 1;
    case 'not-started':
      return 2;
    case 'warn':
      return 3;
    case 'pass':
      return 4;
    default:
      return 5;
  }
}

/** Whether a status counts as unhealthy (the catalog filter "Health: unhealthy"). @public */
export function isUnhealthy(status: EntityStatus | null | undefined): boolean {
  return (
    !!status &&
    (status.state === 'fail' ||
      status.state === 'warn' ||
      status.state === 'not-started')
  );
}

/**
 * The batch status API (`POST /api/service-health/status`), kept apart from
 * `ServiceHealthApi` (which is about one entity at a time).
 *
 * @public
 */
export interface ServiceHealthStatusApi {
  getStatuses(
    entityRefs: string[],
    options?: { environment?: string },
  ): Promise<StatusBatchResponse>;
}
