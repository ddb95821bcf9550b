/**
 * The service-health frontend plugin.
 *
 * @packageDocumentation
 */
export { serviceHealthPlugin as default } from './plugin';
