/**
 * The service-health backend plugin.
 *
 * @packageDocumentation
 */
export { serviceHealthPlugin as default } from './plugin';
