/**
 * The template-updates frontend plugin: the drift card on entities made from
 * a versioned template, the "Template version" catalog filter, and the diff
 * page of local update branches.
 *
 * The plugin for the new frontend system is the default export of
 * `@fastify-backstage/plugin-template-updates/alpha`; apps on the legacy
 * system use the components and the API factory below.
 *
 * @packageDocumentation
 */
export * from './api';
export {
  templateUpdatesApiFactory,
  templateUpdatesLegacyPlugin,
  EntityTemplateDriftCard,
} from './plugin';
export { LocalComparePage } from './components/LocalComparePage';
export {
  classifyByDrift,
  TemplateDriftFilter,
  TemplateDriftPicker,
} from './components/TemplateDriftPicker';
export type {
  TemplateDriftChoice,
  TemplateDriftFilters,
} from './components/TemplateDriftPicker';
