import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  scaffolderActionsExtensionPoint,
  scaffolderServiceRef,
} from '@backstage/plugin-scaffolder-node';
import { createFeaturesApplyAction } from './actions/featuresApply';
import { createPortalInfoAction } from './actions/portalInfo';
import { createPublishLocalAction } from './actions/publishLocal';
import { createRegisterLocalAction } from './actions/registerLocal';
import { createTemplateBranchAction } from './actions/templateBranch';
import { createTemplateInfoAction } from './actions/templateInfo';
import { createTemplateRecordAction } from './actions/templateRecord';
import { createTemplateUpdateAction } from './actions/templateUpdate';

/**
 * Adds the Fastify service template's actions to the scaffolder:
 * `fastify:features:apply`, `fastify:publish:local`,
 * `fastify:catalog:register-local`, `fastify:portal:info`, and the template
 * versioning and update actions `fastify:template:info`,
 * `fastify:template:record`, `fastify:template:branch` and
 * `fastify:template:update`.
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
        urlReader: coreServices.urlReader,
        scaffolderService: scaffolderServiceRef,
      },
      async init({
        scaffolder,
        config,
        catalog,
        urlReader,
        scaffolderService,
      }) {
        scaffolder.addActions(
          createFeaturesApplyAction(),
          createPublishLocalAction({ config }),
          createRegisterLocalAction({ config, catalog }),
          createPortalInfoAction({ config }),
          createTemplateInfoAction(),
          createTemplateRecordAction(),
          createTemplateBranchAction({ config }),
          createTemplateUpdateAction({
            config,
            catalog,
            urlReader,
            scaffolder: scaffolderService,
          }),
        );
      },
    });
  },
});
