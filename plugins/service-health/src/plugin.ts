import { createFrontendPlugin } from '@backstage/frontend-plugin-api';

/**
 * The service-health frontend plugin: a Health tab and an overview card on
 * catalog entities that carry the service-health annotations.
 *
 * @public
 */
export const serviceHealthPlugin = createFrontendPlugin({
  pluginId: 'service-health',
  extensions: [],
});
