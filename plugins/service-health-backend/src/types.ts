import type {
  MetricsPoint,
  MetricsSummary,
} from '@fastify-backstage/plugin-service-health-common';
import type { LabelMatcher } from './metrics/promql';

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
  /** Parsed `service-health.io/prometheus-selector`, when present and valid. */
  prometheusSelector?: LabelMatcher[];
  /** Why this target may not be called (invalid URL, host not allowed). */
  refused?: string;
  /** Why the selector annotation was rejected. */
  selectorError?: string;
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
 * adds). Throw {@link MetricsSourceUnreachableError} when the source could not
 * be reached; return undefined when it has no data.
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
 * Thrown by a source that could not reach what it reads from.
 *
 * @public
 */
export class MetricsSourceUnreachableError extends Error {
  name = 'MetricsSourceUnreachableError';
}
