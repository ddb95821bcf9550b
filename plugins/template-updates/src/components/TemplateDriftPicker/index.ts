export {
  classifyByDrift,
  TemplateDriftFilter,
  TemplateDriftPicker,
} from './TemplateDriftPicker';
export type {
  TemplateDriftChoice,
  TemplateDriftFilters,
} from './TemplateDriftPicker';
