import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createFeaturesApplyAction } from './actions/featuresApply';
import { createPortalInfoAction } from './actions/portalInfo';
import { createPublishLocalAction } from './actions/publishLocal';
import { createRegisterLocalAction } from './actions/registerLocal';

/**
 * Adds the Fastify service template's actions to the scaffolder:
 * `fastify:features:apply`, `fastify:publish:local`,
 * `fastify:catalog:register-local` and `fastify:portal:info`.
 *
 * @public
 */
export const scaffolderModuleFastify = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'fastify',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, config, catalog }) {
        scaffolder.addActions(
          createFeaturesApplyAction(),
          createPublishLocalAction({ config }),
          createRegisterLocalAction({ config, catalog }),
          createPortalInfoAction({ config }),
        );
      },
    });
  },
});
