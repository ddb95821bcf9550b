/**
 * Scaffolder actions for the Fastify service template: `fastify:portal:info`,
 * `fastify:features:apply`, `fastify:publish` and `fastify:catalog:register`
 * (one step each, local or GitHub), the local publisher's
 * `fastify:publish:local` and `fastify:catalog:register-local`, and template
 * versioning and updates: `fastify:template:info`, `fastify:template:record`,
 * `fastify:template:branch` and `fastify:template:update`.
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
export { createTemplateBranchAction } from './actions/templateBranch';
export { createTemplateInfoAction } from './actions/templateInfo';
export { createTemplateRecordAction } from './actions/templateRecord';
export { createTemplateUpdateAction } from './actions/templateUpdate';
export { githubPublishing } from './publishTargets';
export type { PublishTargetStatus } from './publishTargets';
export { applyFeatures } from './features/applyFeatures';
export type {
  ApplyFeaturesOptions,
  ApplyFeaturesResult,
} from './features/applyFeatures';
