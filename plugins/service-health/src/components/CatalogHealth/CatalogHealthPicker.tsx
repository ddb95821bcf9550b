import { useEffect, useMemo } from 'react';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Select } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  DefaultEntityFilters,
  EntityFilter,
  useEntityList,
} from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  isUnhealthy,
  SERVICE_HEALTH_ANNOTATIONS,
} from '@fastify-backstage/plugin-service-health-common';
import useAsync from 'react-use/esm/useAsync';
import { serviceHealthStatusApiRef } from '../../api';

/** The picker's choices; 'all' sets no filter. */
export type CatalogHealthChoice = 'all' | 'unhealthy';

/** Matches no entity: a uid no entity has. */
const NO_ENTITY = 'service-health:none';

/**
 * Keeps the catalog entities (by uid) whose service is unhealthy: down,
 * failing, degraded or never started. A backend filter, so the catalog's
 * counts and pages are right.
 *
 * @public
 */
export class CatalogHealthFilter implements EntityFilter {
  private readonly uidSet: ReadonlySet<string>;

  constructor(readonly uids: string[]) {
    this.uidSet = new Set(uids);
  }

  getCatalogFilters(): Record<string, string[]> {
    return { 'metadata.uid': this.uids.length ? this.uids : [NO_ENTITY] };
  }

  filterEntity(entity: Entity): boolean {
    return this.uidSet.has(entity.metadata.uid ?? '');
  }

  toQueryValue(): string {
    return 'unhealthy';
  }
}

/** @public */
export type CatalogHealthFilters = DefaultEntityFilters & {
  health?: CatalogHealthFilter;
};

/**
 * The uids of the unhealthy ones among `entities`, given their statuses in
 * the same order.
 */
export function unhealthyUids(
  entities: Entity[],
  statuses: Parameters<typeof isUnhealthy>[0][],
): string[] {
  return entities
    .filter((e, i) => isUnhealthy(statuses[i]) && e.metadata.uid)
    .map(e => e.metadata.uid!);
}

/**
 * A catalog filter "Health": all entities, or the unhealthy services. It
 * reads the monitored components from the catalog and their statuses in one
 * batch request per 1,000.
 *
 * @public
 */
export function CatalogHealthPicker() {
  const catalogApi = useApi(catalogApiRef);
  const statusApi = useApi(serviceHealthStatusApiRef);
  const { filters, updateFilters, queryParameters } =
    useEntityList<CatalogHealthFilters>();
  const { value: unhealthy, error } = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: {
        [`metadata.annotations.${SERVICE_HEALTH_ANNOTATIONS.baseUrl}`]:
          CATALOG_FILTER_EXISTS,
      },
      fields: ['kind', 'metadata.uid', 'metadata.name', 'metadata.namespace'],
    });
    const { items: statuses } = await statusApi.getStatuses(
      items.map(e => stringifyEntityRef(e)),
    );
    return unhealthyUids(items, statuses);
  }, [catalogApi, statusApi]);

  const fromQuery = [queryParameters.health].flat()[0];
  const selected: CatalogHealthChoice =
    filters.health || fromQuery === 'unhealthy' ? 'unhealthy' : 'all';
  const filterFor = (choice: CatalogHealthChoice) =>
    choice === 'all' || !unhealthy
      ? undefined
      : new CatalogHealthFilter(unhealthy);

  useEffect(() => {
    if (unhealthy) updateFilters({ health: filterFor(selected) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [unhealthy]);

  const items = useMemo(
    () => [
      { label: 'All', value: 'all' },
      { label: 'Unhealthy', value: 'unhealthy' },
    ],
    [],
  );

  return (
    <Box pb={1} pt={1}>
      <Select
        label="Health"
        items={items}
        selected={selected}
        onChange={value =>
          updateFilters({ health: filterFor(value as CatalogHealthChoice) })
        }
      />
      {error && (
        <Typography variant="caption" color="error">
          Health unavailable: {error.message}
        </Typography>
      )}
    </Box>
  );
}
