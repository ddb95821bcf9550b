import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogApi } from '@backstage/catalog-client';
import {
  catalogHealthRank,
  EntityStatus,
  isServiceHealthAvailable,
  ServiceHealthStatusApi,
} from '@fastify-backstage/plugin-service-health-common';

/** One service of a roll-up. */
export interface RollupService {
  entity: Entity;
  entityRef: string;
  status: EntityStatus | null;
}

export interface Rollup {
  /** Services with a health annotation, worst first. */
  services: RollupService[];
  healthy: number;
  /** Components without a health annotation (not counted above). */
  unmonitored: number;
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

/** Worst first, then by name; one batch request for all the services. */
export async function loadRollup(
  catalogApi: CatalogApi,
  statusApi: ServiceHealthStatusApi,
  entity: Entity,
): Promise<Rollup> {
  const components = await componentsOf(catalogApi, entity);
  const monitored = components.filter(isServiceHealthAvailable);
  const refs = monitored.map(e => stringifyEntityRef(e));
  const { items } = refs.length
    ? await statusApi.getStatuses(refs)
    : { items: [] };
  const services = monitored
    .map((e, i) => ({ entity: e, entityRef: refs[i], status: items[i] }))
    .sort(
      (a, b) =>
        catalogHealthRank(a.status ?? undefined) -
          catalogHealthRank(b.status ?? undefined) ||
        a.entityRef.localeCompare(b.entityRef),
    );
  return {
    services,
    healthy: services.filter(s => s.status?.state === 'pass').length,
    unmonitored: components.length - monitored.length,
  };
}
