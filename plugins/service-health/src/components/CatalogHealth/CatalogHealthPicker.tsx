import { useEffect, useMemo } from 'react';
import {
  CATALOG_FILTER_EXISTS,
  type CatalogApi,
} from '@backstage/catalog-client';
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
  type ServiceHealthStatusApi,
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

/** How long the unhealthy set is reused (remounts, returning to the catalog) before it is read again. */
const UNHEALTHY_FRESH_MS = 60_000;

const unhealthyCache = new WeakMap<
  ServiceHealthStatusApi,
  { at: number; uids: Promise<string[]> }
>();

/**
 * The uids of the unhealthy monitored components: one catalog read and one
 * batch status request per 1,000, computed once and shared by every mount of
 * the picker for a minute (not per render, not per mount).
 * A failed read is not kept.
 */
export function loadUnhealthyUids(
  catalogApi: CatalogApi,
  statusApi: ServiceHealthStatusApi,
  now = Date.now(),
): Promise<string[]> {
  const cached = unhealthyCache.get(statusApi);
  if (cached && now - cached.at < UNHEALTHY_FRESH_MS) return cached.uids;
  const uids = (async () => {
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
  })();
  unhealthyCache.set(statusApi, { at: now, uids });
  uids.catch(() => {
    if (unhealthyCache.get(statusApi)?.uids === uids) {
      unhealthyCache.delete(statusApi);
    }
  });
  return uids;
}

/**
 * A catalog filter "Health": all entities, or the unhealthy services. The
 * unhealthy set is read once (see `loadUnhealthyUids`) and its filter
 * made once, so re-renders and choices do not read anything again.
 *
 * @public
 */
export function CatalogHealthPicker() {
  const catalogApi = useApi(catalogApiRef);
  const statusApi = useApi(serviceHealthStatusApiRef);
  const { filters, updateFilters, queryParameters } =
    useEntityList<CatalogHealthFilters>();
  const { value: unhealthy, error } = useAsync(
    () => loadUnhealthyUids(catalogApi, statusApi),
    [catalogApi, statusApi],
  );
  const unhealthyFilter = useMemo(
    () => (unhealthy ? new CatalogHealthFilter(unhealthy) : undefined),
    [unhealthy],
  );

  const fromQuery = [queryParameters.health].flat()[0];
  const selected: CatalogHealthChoice =
    filters.health || fromQuery === 'unhealthy' ? 'unhealthy' : 'all';
  const filterFor = (choice: CatalogHealthChoice) =>
    choice === 'all' ? undefined : unhealthyFilter;

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
