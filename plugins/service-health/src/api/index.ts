export { serviceHealthApiRef } from './ServiceHealthApi';
export { ServiceHealthClient } from './ServiceHealthClient';
export {
  serviceHealthStatusApiRef,
  ServiceHealthStatusClient,
} from './ServiceHealthStatusClient';
