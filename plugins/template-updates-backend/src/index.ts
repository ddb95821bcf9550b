/**
 * The template-updates backend plugin: drift of created services against
 * their versioned template, and local update branches' diffs.
 *
 * `backend.add(import('@fastify-backstage/plugin-template-updates-backend'))`.
 *
 * @packageDocumentation
 */
export { templateUpdatesPlugin as default } from './plugin';
