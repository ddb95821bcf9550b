export {
  TemplateDriftCard,
  TemplateDriftView,
  updateTemplateUrl,
} from './TemplateDriftCard';
