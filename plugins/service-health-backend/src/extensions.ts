import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { TraceSource } from './traces/types';
import type { MetricsSource } from './types';

/**
 * Lets backend modules add metric and trace sources to the service-health
 * plugin. A source's `id` is what `serviceHealth.environments[].metricsSource`
 * / `tracesSource` refer to; ids must be unique.
 *
 * @public
 */
export interface ServiceHealthSourcesExtensionPoint {
  addMetricsSource(source: MetricsSource): void;
  addTraceSource(source: TraceSource): void;
}

/** @public */
export const serviceHealthSourcesExtensionPoint =
  createExtensionPoint<ServiceHealthSourcesExtensionPoint>({
    id: 'service-health.sources',
  });
