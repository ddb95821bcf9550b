export { ServiceHealthContent } from './ServiceHealthContent';
export type { ServiceHealthContentProps } from './ServiceHealthContent';
