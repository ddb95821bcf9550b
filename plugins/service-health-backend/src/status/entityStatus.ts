import type {
  EntityStatus,
  EntityStatusMetrics,
} from '@fastify-backstage/plugin-service-health-common';
import { requestFigures, type CompactSample } from '../metrics/samples';
import type { ResolvedTarget } from '../types';
import type { ProbeStanding } from './StatusStore';

/**
 * An entity's catalog status from its target and what is stored about it.
 * Pure: the router gathers the inputs in batch queries.
 */
export function entityStatus(
  entityRef: string,
  target: ResolvedTarget | undefined,
  standing: ProbeStanding | undefined,
  samples: [CompactSample, CompactSample] | undefined,
): EntityStatus {
  if (!target) {
    return {
      entityRef,
      state: 'unknown',
      reason: 'No service-health base URL annotation',
    };
  }
  const environment = target.environment;
  if (target.refused) {
    return {
      entityRef,
      environment,
      state: 'unknown',
      reason: `Not polled: ${target.refused}`,
    };
  }
  const metrics = samples ? metricsOf(samples) : undefined;
  if (!standing) {
    return {
      entityRef,
      environment,
      state: 'unknown',
      reason: 'Not probed yet',
      metrics,
    };
  }
  const common = {
    entityRef,
    environment,
    probeStatus: standing.status,
    checkedAt: new Date(standing.checkedAt).toISOString(),
    metrics,
  };
  if (!standing.everUp) {
    // Never up: the whole stored history is one outage, so it began with the
    // first stored probe.
    return {
      ...common,
      state: 'not-started',
      since: new Date(standing.oldest).toISOString(),
      sinceIsLowerBound: standing.sinceIsLowerBound,
    };
  }
  return {
    ...common,
    state: standing.status === 'down' ? 'fail' : standing.status,
    since: new Date(standing.since).toISOString(),
    sinceIsLowerBound: standing.sinceIsLowerBound,
  };
}

function metricsOf([first, last]: [
  CompactSample,
  CompactSample,
]): EntityStatusMetrics {
  const { requests, errorRate, p95Ms } = requestFigures(first, last);
  return {
    from: new Date(first.t).toISOString(),
    to: new Date(last.t).toISOString(),
    requests,
    errorRate,
    p95Ms: requests > 0 ? p95Ms : undefined,
  };
}
