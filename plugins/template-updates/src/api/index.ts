export { templateUpdatesApiRef } from './TemplateUpdatesApi';
export type { TemplateUpdatesApi } from './TemplateUpdatesApi';
export { TemplateUpdatesClient } from './TemplateUpdatesClient';
