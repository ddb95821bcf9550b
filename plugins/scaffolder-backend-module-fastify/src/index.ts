/**
 * Scaffolder actions for the Fastify service template: `fastify:portal:info`,
 * `fastify:features:apply`, `fastify:publish` and `fastify:catalog:register`
 * (one step each, local or GitHub), and the local publisher's
 * `fastify:publish:local` and `fastify:catalog:register-local`.
 *
 * `backend.add(import('@fastify-backstage/plugin-scaffolder-backend-module-fastify'))`.
 * The catalog reads what the local publisher makes through
 * `@fastify-backstage/plugin-catalog-backend-module-local-git`.
 *
 * @packageDocumentation
 */
export { scaffolderModuleFastify as default } from './module';
export { createFeaturesApplyAction } from './actions/featuresApply';
export { createPortalInfoAction } from './actions/portalInfo';
export { createPublishAction } from './actions/publish';
export { createPublishLocalAction } from './actions/publishLocal';
export {
  createRegisterAction,
  createRegisterLocalAction,
} from './actions/registerLocal';
export { githubPublishing } from './publishTargets';
export type { PublishTargetStatus } from './publishTargets';
export { applyFeatures } from './features/applyFeatures';
export type {
  ApplyFeaturesOptions,
  ApplyFeaturesResult,
} from './features/applyFeatures';
