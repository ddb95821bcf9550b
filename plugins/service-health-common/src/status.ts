import type { ProbeStatus } from './health';
import type { SloReport, SloStatus } from './slo';

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
  /** `POST /slos/status`: the SLO standing of many entities, from stored evaluations. */
  getSloStatuses(
    entityRefs: string[],
    options?: { environment?: string },
  ): Promise<SloStatusBatchResponse>;
}

/**
 * The SLO standing of a service, worst of its SLOs, for roll-ups:
 *
 * - `breached`: an SLO's error budget is spent (remaining ≤ 0) over its window;
 * - `at-risk`: budget left, but an SLO burns fast enough to page or ticket;
 * - `met`: every SLO has budget left and none burns fast;
 * - `no-data`: no requests to judge by, an SLO the data cannot answer, an
 *   unreadable OpenSLO file, or not evaluated yet;
 * - `none`: the entity has no OpenSLO annotation.
 *
 * @public
 */
export type SloRollupState =
  | 'breached'
  | 'at-risk'
  | 'met'
  | 'no-data'
  | 'none';

/** One SLO in the batch answer: the figures a roll-up shows. @public */
export interface SloStatusItem {
  name: string;
  status: SloStatus;
  target: number;
  window: string;
  sli?: number;
  errorBudgetRemaining?: number;
}

/** One entity's SLO standing in `POST /slos/status`. @public */
export interface EntitySloStatus {
  entityRef: string;
  state: SloRollupState;
  environment?: string;
  /** The windows' end the figures are for (ISO). */
  asOf?: string;
  /** The SLO that decided `state` (the worst; on a tie, the least budget left). */
  worst?: SloStatusItem;
  slos?: SloStatusItem[];
  /** Why the state is `no-data` or `none`, in words. */
  reason?: string;
}

/** `POST /slos/status` answer: as {@link StatusBatchResponse}, `null` for an entity not found or not readable. @public */
export interface SloStatusBatchResponse {
  items: Array<EntitySloStatus | null>;
}

/** The roll-up state of one SLO report. @public */
export function sloRollupStateOf(
  report: Pick<SloReport, 'status' | 'errorBudgetRemaining'>,
): Exclude<SloRollupState, 'none'> {
  if (
    report.errorBudgetRemaining !== undefined &&
    report.errorBudgetRemaining <= 0
  ) {
    return 'breached';
  }
  switch (report.status) {
    case 'exhausted':
      return 'breached';
    case 'page':
    case 'ticket':
      return 'at-risk';
    case 'ok':
      return 'met';
    default:
      return 'no-data';
  }
}

/** Severity rank of an SLO state for sorting, worst first (lower is worse). @public */
export function sloRollupRank(state: SloRollupState | undefined): number {
  switch (state) {
    case 'breached':
      return 0;
    case 'at-risk':
      return 1;
    case 'no-data':
      return 2;
    case 'met':
      return 3;
    default:
      return 4;
  }
}
