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
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createFeaturesApplyAction } from './actions/featuresApply';
import { createPortalInfoAction } from './actions/portalInfo';
import { createPublishAction } from './actions/publish';
import { withPlainErrors } from './actions/plainErrors';
import { createPublishLocalAction } from './actions/publishLocal';
import {
  createRegisterAction,
  createRegisterLocalAction,
} from './actions/registerLocal';
import { createRouter } from './router';

/**
 * Adds the Fastify service template's actions to the scaffolder:
 * `fastify:features:apply`, `fastify:publish` (local or GitHub),
 * `fastify:publish:local`, `fastify:catalog:register`,
 * `fastify:catalog:register-local` and `fastify:portal:info`; and the routes
 * the Create form and the local repository page read
 * (`/api/scaffolder/fastify/...`, see `createRouter`).
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
      },
      async init({ scaffolder, config, catalog, httpRouter }) {
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
          ].map(withPlainErrors),
        );
        httpRouter.use(createRouter({ config, integrations }));
      },
    });
  },
});
