import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogApi } from '@backstage/catalog-client';
import {
  catalogHealthRank,
  EntitySloStatus,
  EntityStatus,
  isServiceHealthAvailable,
  ServiceHealthStatusApi,
  sloRollupRank,
} from '@fastify-backstage/plugin-service-health-common';

/** One service of a roll-up. */
export interface RollupService {
  entity: Entity;
  entityRef: string;
  status: EntityStatus | null;
  /** The worst of its SLOs; undefined when the SLO read failed. */
  slo?: EntitySloStatus | null;
}

export interface Rollup {
  /** Services with a health annotation, worst first. */
  services: RollupService[];
  healthy: number;
  /** Services with an SLO whose error budget is spent. */
  sloBreached: number;
  /** Why the SLO column is empty, when its read failed (the health still shows). */
  sloError?: Error;
  /** Components without a health annotation (not counted above). */
  unmonitored: number;
}

/**
 * Worst first: by health (down, failing, not started, degraded, healthy,
 * unknown), then by SLO (breached, at risk, no data, met, none), then by
 * name. So among healthy services those that broke their SLO come first.
 */
export function compareRollupServices(
  a: RollupService,
  b: RollupService,
): number {
  return (
    catalogHealthRank(a.status ?? undefined) -
      catalogHealthRank(b.status ?? undefined) ||
    sloRollupRank(a.slo?.state) - sloRollupRank(b.slo?.state) ||
    a.entityRef.localeCompare(b.entityRef)
  );
}

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.title',
  'metadata.annotations',
];

/**
 * The components an entity's roll-up covers: for a System, the components
 * that are part of it; for a Group, the components it owns; for a Domain, the
 * components of its systems.
 */
export async function componentsOf(
  catalogApi: CatalogApi,
  entity: Entity,
): Promise<Entity[]> {
  const ref = stringifyEntityRef(entity);
  const kind = entity.kind.toLocaleLowerCase('en-US');
  if (kind === 'group') {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'component', 'relations.ownedBy': ref },
      fields: FIELDS,
    });
    return items;
  }
  if (kind === 'domain') {
    const { items: systems } = await catalogApi.getEntities({
      filter: { kind: 'system', 'relations.partOf': ref },
      fields: ['kind', 'metadata.name', 'metadata.namespace'],
    });
    if (systems.length === 0) return [];
    const { items } = await catalogApi.getEntities({
      filter: {
        kind: 'component',
        'relations.partOf': systems.map(s => stringifyEntityRef(s)),
      },
      fields: FIELDS,
    });
    return items;
  }
  const { items } = await catalogApi.getEntities({
    filter: { kind: 'component', 'relations.partOf': ref },
    fields: FIELDS,
  });
  return items;
}

/**
 * Worst first (see {@link compareRollupServices}); one batch request for the
 * health of all the services and one for their SLOs, in parallel.
 */
export async function loadRollup(
  catalogApi: CatalogApi,
  statusApi: ServiceHealthStatusApi,
  entity: Entity,
): Promise<Rollup> {
  const components = await componentsOf(catalogApi, entity);
  const monitored = components.filter(isServiceHealthAvailable);
  const refs = monitored.map(e => stringifyEntityRef(e));
  const [{ items }, slos] = refs.length
    ? await Promise.all([
        statusApi.getStatuses(refs),
        statusApi.getSloStatuses(refs).then(
          r => ({ items: r.items, error: undefined }),
          (error: Error) => ({ items: undefined, error }),
        ),
      ])
    : [{ items: [] }, { items: [], error: undefined }];
  const services = monitored
    .map((e, i) => ({
      entity: e,
      entityRef: refs[i],
      status: items[i],
      slo: slos.items?.[i],
    }))
    .sort(compareRollupServices);
  return {
    services,
    healthy: services.filter(s => s.status?.state === 'pass').length,
    sloBreached: services.filter(s => s.slo?.state === 'breached').length,
    sloError: slos.error,
    unmonitored: components.length - monitored.length,
  };
}
