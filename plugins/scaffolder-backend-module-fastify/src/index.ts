/**
 * Scaffolder actions for the Fastify service template, and the catalog module
 * that reads the local repositories they publish.
 *
 * `backend.add(import('@internal/plugin-scaffolder-backend-module-fastify'))`
 * installs both modules. Install only the scaffolder module with
 * `backend.add(scaffolderModuleFastify)` if you do not publish locally.
 *
 * @packageDocumentation
 */
import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import {
  catalogModuleFastifyLocalGit,
  scaffolderModuleFastify,
} from './module';

export {
  catalogModuleFastifyLocalGit,
  scaffolderModuleFastify,
} from './module';
export { createFeaturesApplyAction } from './actions/featuresApply';
export { createPublishLocalAction } from './actions/publishLocal';
export { createRegisterLocalAction } from './actions/registerLocal';
export {
  LocalGitLocationProcessor,
  LOCAL_GIT_LOCATION_TYPE,
} from './catalog/LocalGitLocationProcessor';
export { LocalGitDiscoveryProvider } from './catalog/LocalGitDiscoveryProvider';
export { applyFeatures } from './features/applyFeatures';
export type {
  ApplyFeaturesOptions,
  ApplyFeaturesResult,
} from './features/applyFeatures';

/**
 * Both modules: the scaffolder actions and the catalog's `local-git` reader.
 *
 * @public
 */
export default createBackendFeatureLoader({
  *loader() {
    yield scaffolderModuleFastify;
    yield catalogModuleFastifyLocalGit;
  },
});
