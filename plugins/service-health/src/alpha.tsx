import {
  ApiBlueprint,
  createFrontendPlugin,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { isServiceHealthAvailable } from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef, ServiceHealthClient } from './api';
import {
  serviceHealthStatusApi,
  serviceHealthRollupEntityCard,
  serviceHealthCatalogFilter,
} from './catalogHealthExtensions';

export {
  serviceHealthStatusApi,
  serviceHealthRollupEntityCard,
  serviceHealthCatalogFilter,
};

/** @alpha */
export const serviceHealthApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: serviceHealthApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ServiceHealthClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The Health tab: `/catalog/:namespace/:kind/:name/health`, on entities
 * with a `service-health.io/base-url` annotation (any environment).
 *
 * @alpha
 */
export const serviceHealthEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'health',
    title: 'Health',
    filter: isServiceHealthAvailable,
    loader: () =>
      import('./components/ServiceHealthContent').then(m => (
        <m.ServiceHealthContent />
      )),
  },
});

/**
 * The overview card: status, p95 latency, error rate, link to the tab.
 *
 * @alpha
 */
export const serviceHealthEntityCard = EntityCardBlueprint.make({
  params: {
    type: 'info',
    filter: isServiceHealthAvailable,
    loader: () =>
      import('./components/ServiceHealthCard').then(m => (
        <m.ServiceHealthCard />
      )),
  },
});

/**
 * The service-health plugin for the new frontend system: the API, the
 * Health tab and the overview card.
 *
 * @alpha
 */
const serviceHealthPlugin = createFrontendPlugin({
  pluginId: 'service-health',
  title: 'Service health',
  info: { packageJson: () => import('../package.json') },
  extensions: [
    serviceHealthApi,
    serviceHealthEntityContent,
    serviceHealthEntityCard,
    serviceHealthStatusApi,
    serviceHealthCatalogFilter,
    serviceHealthRollupEntityCard,
  ],
});

export default serviceHealthPlugin;
export { serviceHealthPlugin };
