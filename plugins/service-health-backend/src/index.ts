/**
 * The service-health backend plugin.
 *
 * @packageDocumentation
 */
export {
  serviceHealthPlugin as default,
  HEALTH_POLL_TASK_ID,
  HEALTH_PRUNE_TASK_ID,
  healthPollTaskId,
  TRACE_PRUNE_TASK_ID,
} from './plugin';
export {
  serviceHealthSourcesExtensionPoint,
  type ServiceHealthSourcesExtensionPoint,
} from './extensions';
export {
  MetricsSourceUnreachableError,
  type MetricsSource,
  type MetricsWindow,
  type ResolvedTarget,
  type ServiceTarget,
} from './types';
export {
  SourceError,
  SourceUnreachableError,
  type SourceFailure,
} from './errors';
export type { LabelMatcher } from './metrics/promql';
export {
  TraceSourceUnavailableError,
  type TraceSource,
  type TraceListQuery,
} from './traces/types';
