export { createCatalogHealthColumn } from './CatalogHealthColumn';
export {
  CatalogHealthFilter,
  CatalogHealthPicker,
} from './CatalogHealthPicker';
export type {
  CatalogHealthChoice,
  CatalogHealthFilters,
} from './CatalogHealthPicker';
export { HealthStatusChip } from './HealthStatusChip';
