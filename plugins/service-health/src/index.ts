/**
 * The service-health frontend plugin: a Health tab and an overview card on
 * catalog entities that carry the service-health annotations.
 *
 * This entry point serves apps on the legacy frontend system; the plugin for
 * the new frontend system is the default export of
 * `@fastify-backstage/plugin-service-health/alpha`.
 *
 * @packageDocumentation
 */
export {
  EntityServiceHealthCard,
  EntityServiceHealthContent,
  serviceHealthApiFactory,
  serviceHealthLegacyPlugin,
} from './plugin';
export { serviceHealthApiRef, ServiceHealthClient } from './api';
export type { ServiceHealthContentProps } from './components/ServiceHealthContent';
export type { ServiceHealthCardProps } from './components/ServiceHealthCard';
export {
  isServiceHealthAvailable,
  SERVICE_HEALTH_ANNOTATIONS,
} from '@fastify-backstage/plugin-service-health-common';
export type { ServiceHealthApi } from '@fastify-backstage/plugin-service-health-common';
export { serviceHealthStatusApiRef } from './api';
export {
  createCatalogHealthColumn,
  CatalogHealthFilter,
  CatalogHealthPicker,
  HealthStatusChip,
} from './components/CatalogHealth';
export type {
  CatalogHealthChoice,
  CatalogHealthFilters,
} from './components/CatalogHealth';
export { HealthRollupCard } from './components/HealthRollupCard';
