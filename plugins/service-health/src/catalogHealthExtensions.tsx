import { ApiBlueprint } from '@backstage/frontend-plugin-api';
import {
  CatalogFilterBlueprint,
  EntityCardBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { serviceHealthStatusApiRef, ServiceHealthClient } from './api';

/** @alpha */
export const serviceHealthStatusApi = ApiBlueprint.make({
  name: 'status',
  params: defineParams =>
    defineParams({
      api: serviceHealthStatusApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ServiceHealthClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The catalog filter "Health": all, or the unhealthy services.
 *
 * @alpha
 */
export const serviceHealthCatalogFilter = CatalogFilterBlueprint.make({
  name: 'health',
  params: {
    loader: () =>
      import('./components/CatalogHealth').then(m => <m.CatalogHealthPicker />),
  },
});

const ROLLUP_KINDS = new Set(['system', 'domain', 'group']);

/**
 * The roll-up card on System, Domain and Group pages: how many of their
 * services are healthy, which are not and since when, worst first.
 *
 * @alpha
 */
export const serviceHealthRollupEntityCard = EntityCardBlueprint.make({
  name: 'rollup',
  params: {
    filter: (entity: Entity) =>
      ROLLUP_KINDS.has(entity.kind.toLocaleLowerCase('en-US')),
    loader: () =>
      import('./components/HealthRollupCard').then(m => <m.HealthRollupCard />),
  },
});
