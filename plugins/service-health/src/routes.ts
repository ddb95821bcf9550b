import { createRouteRef } from '@backstage/core-plugin-api';

/** Route of the Health tab in apps on the legacy frontend system. */
export const rootRouteRef = createRouteRef({ id: 'service-health' });
