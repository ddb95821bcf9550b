/**
 * Scaffolder actions for the Fastify service template.
 *
 * @packageDocumentation
 */
export { scaffolderModuleFastify as default } from './module';
