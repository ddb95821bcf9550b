import type {
  MetricsPoint,
  MetricsSummary,
} from '@fastify-backstage/plugin-service-health-common';
import { SourceUnreachableError } from './errors';

import type { ServiceTarget } from './traces/types';

export type { ServiceTarget };

/**
 * A service target with everything the health poller and metric sources need.
 *
 * @public
 */
export interface ResolvedTarget extends ServiceTarget {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /**
   * The entity's annotations, for what a source reads of them (e.g. the
   * Prometheus source, `service-health.io/prometheus-selector`).
   */
  annotations?: Record<string, string>;
  /** Why this target may not be called (invalid URL, host not allowed). */
  refused?: string;
  metricsSource: string;
  tracesSource?: string;
}

/** @public */
export interface MetricsWindow {
  from: Date;
  to: Date;
}

/**
 * A source of metric figures (the direct scrape, Prometheus, or one a module
 * adds). Throw a {@link SourceError} when the source could not be reached
 * ({@link SourceUnreachableError}) or answered with nothing usable; return undefined when it has no data.
 *
 * @public
 */
export interface MetricsSource {
  id: string;
  getSummary(
    target: ResolvedTarget,
    window: MetricsWindow,
  ): Promise<
    | Omit<MetricsSummary, 'entityRef' | 'environment' | 'from' | 'to'>
    | undefined
  >;
  getSeries(
    target: ResolvedTarget,
    window: MetricsWindow & { stepSeconds: number },
  ): Promise<MetricsPoint[] | undefined>;
  /** Called by the scheduled poll for each target using this source. */
  poll?(target: ResolvedTarget, signal?: AbortSignal): Promise<void>;
  /** Called by the scheduled poll to drop old data. */
  prune?(): Promise<void>;
  /**
   * Why the source's latest collection for the target failed, while stored
   * data still answers reads (the direct scrape of a service that is down).
   */
  problem?(target: ResolvedTarget): Error | undefined;
  /** Since when the source holds data of the target, when it keeps its own. */
  dataSince?(target: ResolvedTarget): Promise<Date | undefined>;
}

/**
 * Thrown by a metrics source that could not reach what it reads from (kept
 * for modules; the family is {@link SourceError}).
 *
 * @public
 */
export class MetricsSourceUnreachableError extends SourceUnreachableError {
  name = 'MetricsSourceUnreachableError';
}
