import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  catalogLocationsExtensionPoint,
  catalogProcessingExtensionPoint,
} from '@backstage/plugin-catalog-node';
import {
  LOCAL_GIT_LOCATION_TYPE,
  readLocalRepositoryRoot,
} from '@fastify-backstage/plugin-local-git-node';
import { readLocalRepositoryDiscovery } from './config';
import { LocalGitDiscoveryProvider } from './LocalGitDiscoveryProvider';
import { LocalGitLocationProcessor } from './LocalGitLocationProcessor';

/**
 * Lets the catalog read `local-git` locations: catalog files on a branch of a
 * bare repository under `scaffolder.fastify.localRepositoryRoot`, as made by
 * `fastify:publish:local`. Allows the `url` and `local-git` location types.
 * Unless `scaffolder.fastify.localRepositoryDiscovery.enabled` is false, also
 * keeps one Location per repository under the root in the catalog (scanned on
 * start and every `frequencySeconds`, default 30), so the services survive a
 * restart of an in-memory catalog and disappear with their repository.
 *
 * @public
 */
export const catalogModuleLocalGit = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'local-git',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        processing: catalogProcessingExtensionPoint,
        locations: catalogLocationsExtensionPoint,
      },
      async init({ config, logger, scheduler, processing, locations }) {
        const root = readLocalRepositoryRoot(config);
        processing.addProcessor(new LocalGitLocationProcessor(root));
        locations.setAllowedLocationTypes(['url', LOCAL_GIT_LOCATION_TYPE]);
        const discovery = readLocalRepositoryDiscovery(config);
        if (discovery.enabled) {
          processing.addEntityProvider(
            new LocalGitDiscoveryProvider({
              root,
              logger,
              taskRunner: scheduler.createScheduledTaskRunner({
                frequency: { seconds: discovery.frequencySeconds },
                timeout: { minutes: 5 },
                // The repositories are on this instance's disk: every instance scans its own.
                scope: 'local',
              }),
            }),
          );
        }
      },
    });
  },
});
