/**
 * The IETF draft "Health Check Response Format for HTTP APIs"
 * (draft-inadarei-api-health-check), served as `application/health+json`.
 *
 * @public
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/** One entry of a `checks` array in a health+json document. @public */
export interface HealthCheckResult {
  componentId?: string;
  componentType?: string;
  observedValue?: unknown;
  observedUnit?: string;
  status: HealthStatus;
  affectedEndpoints?: string[];
  time?: string;
  output?: string;
  links?: Record<string, string>;
}

/** A health+json document as a service returns it. @public */
export interface HealthResponse {
  status: HealthStatus;
  version?: string;
  releaseId?: string;
  notes?: string[];
  output?: string;
  serviceId?: string;
  description?: string;
  /** Keys are `<component>:<measurement>`, e.g. `postgres:connection`. */
  checks?: Record<string, HealthCheckResult[]>;
  links?: Record<string, string>;
}

/**
 * What the plugin concluded about one probe of `/health` or `/ready`.
 * `down` means the service did not answer or answered 5xx/`fail`;
 * the monitoring side failing is reported separately as a {@link SourceState}.
 *
 * @public
 */
export type ProbeStatus = 'pass' | 'warn' | 'fail' | 'down';

/** One probe of a health endpoint. @public */
export interface EndpointProbe {
  url: string;
  status: ProbeStatus;
  httpStatus?: number;
  latencyMs?: number;
  /** ISO time of the probe. */
  checkedAt: string;
  /** Why the probe failed (timeout, connection refused, invalid body...). */
  error?: string;
}

/** One dependency check, flattened from health+json `checks`. @public */
export interface DependencyCheck {
  /** The `checks` key, e.g. `postgres:connection`. */
  name: string;
  componentId?: string;
  componentType?: string;
  status: HealthStatus;
  observedValue?: unknown;
  observedUnit?: string;
  time?: string;
  output?: string;
}

/** The latest health of one service in one environment. @public */
export interface HealthSnapshot {
  entityRef: string;
  environment: string;
  /** Overall: the worst of liveness and readiness. */
  status: ProbeStatus;
  liveness: EndpointProbe;
  readiness: EndpointProbe;
  checks: DependencyCheck[];
  version?: string;
  /** health+json `releaseId` (e.g. the image tag or git SHA of the deploy). */
  releaseId?: string;
  checkedAt: string;
  /**
   * Where the service stands over all stored probes, added by the API when it
   * answers (not stored with the probe).
   */
  lifecycle?: HealthLifecycle;
}

/**
 * The service's story over every stored probe, so the tab can tell "never
 * started" from "down", and when an outage began.
 *
 * @public
 */
export interface HealthLifecycle {
  /** ISO time of the first stored probe: since when the portal has been looking. */
  firstProbeAt?: string;
  /** ISO time of the first probe that passed (pass or warn); absent: never up. */
  firstUpAt?: string;
  /** ISO time of the latest probe that passed (pass or warn). */
  lastUpAt?: string;
  /**
   * ISO time of the first failing probe after the latest passing one, when
   * the latest probe failed: when the current outage began.
   */
  downSince?: string;
}

/**
 * One point of the uptime strip: one probe, or (for older history) the
 * probes of one time bucket, from `checkedAt` to `until`, aggregated.
 *
 * @public
 */
export interface HealthHistoryPoint {
  checkedAt: string;
  /** The worst status of the point's probes. */
  status: ProbeStatus;
  /** Latency of the probe; of a bucket, the mean. */
  latencyMs?: number;
  /** Set on a bucket: its end (ISO). */
  until?: string;
  /** Set on a bucket: how many probes it holds. */
  probes?: number;
  /** Set on a bucket: how many of them passed (pass or warn). */
  upProbes?: number;
}

/** @public */
export interface HealthHistory {
  entityRef: string;
  environment: string;
  from: string;
  to: string;
  /**
   * Share of the probes counted whose status was pass or warn, 0..1 (a
   * bucket of older probes counts as its probes). Counted are the probes of
   * the window from the service's first passing probe on (before it the
   * service had not started yet); undefined when none.
   */
  uptimeRatio?: number;
  /** ISO time of the service's first passing probe ever stored; absent: never up. */
  firstUpAt?: string;
  /** ISO time from which the ratio counts: the later of `from` and `firstUpAt`. */
  countedFrom?: string;
  /** How many probes the ratio counts. */
  countedProbes?: number;
  points: HealthHistoryPoint[];
}

/**
 * A release the service reported (its health+json `version` and
 * `releaseId`), from the first probe that saw it: a deploy marker.
 *
 * @public
 */
export interface Release {
  /** ISO time of the first probe that reported this release. */
  seenAt: string;
  version?: string;
  releaseId?: string;
  /** The release before it; absent for the first one the portal saw. */
  previous?: { version?: string; releaseId?: string };
}
