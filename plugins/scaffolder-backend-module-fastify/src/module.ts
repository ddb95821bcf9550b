import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { createPublishGithubAction } from '@backstage/plugin-scaffolder-backend-module-github';
import {
  scaffolderActionsExtensionPoint,
  scaffolderServiceRef,
} from '@backstage/plugin-scaffolder-node';
import { createFeaturesApplyAction } from './actions/featuresApply';
import { createPortalInfoAction } from './actions/portalInfo';
import { createPublishAction } from './actions/publish';
import { withPlainErrors } from './actions/plainErrors';
import { createPublishLocalAction } from './actions/publishLocal';
import {
  createRegisterAction,
  createRegisterLocalAction,
} from './actions/registerLocal';
import { createTemplateBranchAction } from './actions/templateBranch';
import { createTemplateInfoAction } from './actions/templateInfo';
import { createTemplateRecordAction } from './actions/templateRecord';
import { createTemplateUpdateAction } from './actions/templateUpdate';
import { createRouter } from './router';

/**
 * Adds the Fastify service template's actions to the scaffolder:
 * `fastify:features:apply`, `fastify:publish` (local or GitHub),
 * `fastify:publish:local`, `fastify:catalog:register`,
 * `fastify:catalog:register-local`, `fastify:portal:info`, the template
 * versioning and update actions `fastify:template:info`,
 * `fastify:template:record`, `fastify:template:branch` and
 * `fastify:template:update`; and the routes the Create form and the local
 * repository page read (`/api/scaffolder/fastify/...`, see `createRouter`).
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
        httpRouter: coreServices.httpRouter,
        urlReader: coreServices.urlReader,
        scaffolderService: scaffolderServiceRef,
      },
      async init({
        scaffolder,
        config,
        catalog,
        httpRouter,
        urlReader,
        scaffolderService,
      }) {
        const integrations = ScmIntegrations.fromConfig(config);
        const publishLocal = createPublishLocalAction({ config });
        scaffolder.addActions(
          ...[
            createFeaturesApplyAction(),
            publishLocal,
            createPublishAction({
              config,
              integrations,
              publishLocal,
              publishGithub: createPublishGithubAction({
                integrations,
                config,
                githubCredentialsProvider:
                  DefaultGithubCredentialsProvider.fromIntegrations(
                    integrations,
                  ),
              }),
            }),
            createRegisterAction({ config, catalog }),
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
          ].map(withPlainErrors),
        );
        httpRouter.use(createRouter({ config, integrations }));
      },
    });
  },
});
