export { serviceHealthApiRef } from './ServiceHealthApi';
export { ServiceHealthClient } from './ServiceHealthClient';
