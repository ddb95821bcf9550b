import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readLocalRepositoryRoot } from '@fastify-backstage/plugin-local-git-node';
import { createRouter } from './router';

/**
 * Template updates: how far each created service is behind its template
 * (`/entities/:kind/:namespace/:name/drift`) and the diff of an update branch
 * in a local repository (`/local/:repository/compare`).
 *
 * @public
 */
export const templateUpdatesPlugin = createBackendPlugin({
  pluginId: 'template-updates',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        urlReader: coreServices.urlReader,
        catalog: catalogServiceRef,
      },
      async init({ httpRouter, httpAuth, logger, config, urlReader, catalog }) {
        httpRouter.use(
          await createRouter({
            httpAuth,
            catalog,
            urlReader,
            logger,
            localRepositoryRoot: readLocalRepositoryRoot(config),
          }),
        );
      },
    });
  },
});
