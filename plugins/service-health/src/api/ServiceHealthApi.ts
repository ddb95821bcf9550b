import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ServiceHealthApi,
  ServiceHealthStatusApi,
} from '@fastify-backstage/plugin-service-health-common';

/**
 * The service-health backend's API, as a Backstage utility API.
 *
 * @public
 */
export const serviceHealthApiRef = createApiRef<ServiceHealthApi>({
  id: 'plugin.service-health.api',
});

/**
 * The batch status API as a Backstage utility API: the catalog column, the
 * "Health" filter and the roll-up card read it (a portal may install them
 * without the Health tab). {@link ServiceHealthClient} implements it.
 *
 * @public
 */
export const serviceHealthStatusApiRef = createApiRef<ServiceHealthStatusApi>({
  id: 'plugin.service-health.status',
});
