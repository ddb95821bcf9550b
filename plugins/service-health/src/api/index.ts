export {
  serviceHealthApiRef,
  serviceHealthStatusApiRef,
} from './ServiceHealthApi';
export { ServiceHealthClient } from './ServiceHealthClient';
