import { createApiRef } from '@backstage/core-plugin-api';
import type { ServiceHealthApi } from '@fastify-backstage/plugin-service-health-common';

/**
 * The service-health backend's API, as a Backstage utility API.
 *
 * @public
 */
export const serviceHealthApiRef = createApiRef<ServiceHealthApi>({
  id: 'plugin.service-health.api',
});
