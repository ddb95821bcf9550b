import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import {
  catalogLocationsExtensionPoint,
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createFeaturesApplyAction } from './actions/featuresApply';
import { createPublishLocalAction } from './actions/publishLocal';
import { createRegisterLocalAction } from './actions/registerLocal';
import {
  LOCAL_GIT_LOCATION_TYPE,
  LocalGitLocationProcessor,
} from './catalog/LocalGitLocationProcessor';
import { readLocalRepositoryRoot } from './config';

/**
 * Adds the Fastify service template's actions to the scaffolder:
 * `fastify:features:apply`, `fastify:publish:local` and
 * `fastify:catalog:register-local`.
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
        );
      },
    });
  },
});

/**
 * Lets the catalog read `local-git` locations: catalog files on a branch of a
 * bare repository under `scaffolder.fastify.localRepositoryRoot`, as made by
 * `fastify:publish:local`. Allows the `url` and `local-git` location types.
 *
 * @public
 */
export const catalogModuleFastifyLocalGit = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'fastify-local-git',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        processing: catalogProcessingExtensionPoint,
        locations: catalogLocationsExtensionPoint,
      },
      async init({ config, processing, locations }) {
        processing.addProcessor(
          new LocalGitLocationProcessor(readLocalRepositoryRoot(config)),
        );
        locations.setAllowedLocationTypes(['url', LOCAL_GIT_LOCATION_TYPE]);
      },
    });
  },
});
