import {
  EntitySloStatus,
  OPENSLO_ANNOTATION,
  SloReport,
  sloRollupRank,
  sloRollupStateOf,
  SloStatusItem,
} from '@fastify-backstage/plugin-service-health-common';
import type { ResolvedTarget } from '../types';
import type { StoredSloStatus } from './SloStore';

/**
 * An evaluation older than this is not reported as current: the aggregation
 * runs every 5 minutes, so three missed runs mean it stopped (or the target
 * left the poll's list) and the figures no longer say how the service does.
 */
export const SLO_STATUS_STALE_MS = 30 * 60_000;

function itemOf(r: SloReport): SloStatusItem {
  return {
    name: r.name,
    status: r.status,
    target: r.target,
    window: r.window,
    ...(r.sli !== undefined ? { sli: r.sli } : {}),
    ...(r.errorBudgetRemaining !== undefined
      ? { errorBudgetRemaining: r.errorBudgetRemaining }
      : {}),
  };
}

/**
 * An entity's SLO standing from its stored evaluation: the worst of its SLOs
 * (breached, at risk, no data, met; on a tie the least budget left). Pure:
 * the router reads the stored evaluations of all entities in one query.
 */
export function entitySloStatus(
  entityRef: string,
  target: ResolvedTarget | undefined,
  stored: StoredSloStatus | undefined,
  now: number,
): EntitySloStatus {
  if (!target) {
    return {
      entityRef,
      state: 'none',
      reason: 'No service-health base URL annotation',
    };
  }
  const environment = target.environment;
  if (!target.annotations?.[OPENSLO_ANNOTATION]) {
    return {
      entityRef,
      environment,
      state: 'none',
      reason: `No ${OPENSLO_ANNOTATION} annotation`,
    };
  }
  if (target.refused) {
    return {
      entityRef,
      environment,
      state: 'no-data',
      reason: `Not polled: ${target.refused}`,
    };
  }
  if (!stored) {
    return {
      entityRef,
      environment,
      state: 'no-data',
      reason: 'Not evaluated yet (the SLO aggregation runs every 5 minutes)',
    };
  }
  const { response, computedAt } = stored;
  if (now - computedAt > SLO_STATUS_STALE_MS) {
    return {
      entityRef,
      environment,
      state: 'no-data',
      reason: `Last evaluated ${new Date(computedAt).toISOString()}`,
    };
  }
  if (!response.data) {
    return {
      entityRef,
      environment,
      state: 'no-data',
      reason:
        response.source.message ??
        `Metrics source ${response.source.source}: ${response.source.status}`,
    };
  }
  const slos = response.data.slos.map(itemOf);
  if (slos.length === 0) {
    return {
      entityRef,
      environment,
      state: 'no-data',
      asOf: response.data.asOf,
      reason: 'The OpenSLO file has no SLO',
    };
  }
  const ranked = slos
    .map(s => ({ s, state: sloRollupStateOf(s) }))
    .sort(
      (a, b) =>
        sloRollupRank(a.state) - sloRollupRank(b.state) ||
        (a.s.errorBudgetRemaining ?? 2) - (b.s.errorBudgetRemaining ?? 2),
    );
  return {
    entityRef,
    environment,
    state: ranked[0].state,
    asOf: response.data.asOf,
    worst: ranked[0].s,
    slos,
  };
}
