import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { serviceHealthApiRef, ServiceHealthClient } from './api';
import { rootRouteRef } from './routes';
import type { ServiceHealthCardProps } from './components/ServiceHealthCard';
import type { ServiceHealthContentProps } from './components/ServiceHealthContent';

/**
 * Factory of the service-health API client (`discoveryApi` + `fetchApi`).
 *
 * @public
 */
export const serviceHealthApiFactory = createApiFactory({
  api: serviceHealthApiRef,
  deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
  factory: ({ discoveryApi, fetchApi }) =>
    new ServiceHealthClient({ discoveryApi, fetchApi }),
});

/**
 * The service-health plugin for apps on the legacy frontend system. Apps on
 * the new frontend system use the default export of
 * `@fastify-backstage/plugin-service-health/alpha`.
 *
 * @public
 */
export const serviceHealthLegacyPlugin = createPlugin({
  id: 'service-health',
  apis: [serviceHealthApiFactory],
  routes: { root: rootRouteRef },
});

/**
 * The Health tab (legacy frontend system), e.g.
 * `<EntityLayout.Route path="/health" title="Health" if={isServiceHealthAvailable}>`.
 *
 * @public
 */
export const EntityServiceHealthContent: (
  props: ServiceHealthContentProps,
) => JSX.Element | null = serviceHealthLegacyPlugin.provide(
  createRoutableExtension({
    name: 'EntityServiceHealthContent',
    component: () =>
      import('./components/ServiceHealthContent').then(
        m => m.ServiceHealthContent,
      ),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The overview card (legacy frontend system).
 *
 * @public
 */
export const EntityServiceHealthCard: (
  props: ServiceHealthCardProps,
) => JSX.Element | null = serviceHealthLegacyPlugin.provide(
  createComponentExtension({
    name: 'EntityServiceHealthCard',
    component: {
      lazy: () =>
        import('./components/ServiceHealthCard').then(m => m.ServiceHealthCard),
    },
  }),
);
