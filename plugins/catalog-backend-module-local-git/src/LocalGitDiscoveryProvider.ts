import {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import { ANNOTATION_LOCATION } from '@backstage/catalog-model';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
  LocationSpec,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import {
  LOCAL_GIT_LOCATION_TYPE,
  listLocalRepositories,
  localRepositoryHasFile,
} from '@fastify-backstage/plugin-local-git-node';

/** The catalog file the provider looks for, at the root of the default branch. */
export const DISCOVERED_CATALOG_FILE = 'catalog-info.yaml';

/**
 * The `local-git` location of a repository's catalog file: exactly what
 * `fastify:catalog:register-local` registers for `repoContentsUrl` +
 * `/catalog-info.yaml`, so both produce the same Location entity.
 */
export function localCatalogFileLocation(
  repoContentsUrl: string,
): LocationSpec {
  return {
    type: LOCAL_GIT_LOCATION_TYPE,
    target: `${repoContentsUrl}/${DISCOVERED_CATALOG_FILE}`,
  };
}

/**
 * The deferred Location entity for a location, identical (name, annotations,
 * spec, location key) to the one the catalog's own location store makes when
 * the same location is registered through `POST /locations`. The catalog then
 * treats both as one entity: no `conflicting entityRef` and no duplicates.
 */
export function toDeferredLocationEntity(
  location: LocationSpec,
): DeferredEntity {
  const entity = locationSpecToLocationEntity({ location });
  return {
    entity,
    locationKey: entity.metadata.annotations![ANNOTATION_LOCATION],
  };
}

/**
 * Keeps one `Location` entity (type `local-git`) in the catalog per bare
 * repository under the local repository root that has a `catalog-info.yaml`
 * on its default branch, so services created with `fastify:publish:local`
 * survive a restart of a portal whose catalog database lives in memory.
 *
 * Every run lists the root and applies a full mutation: a deleted repository
 * (or one whose catalog file is gone) loses its Location, and the catalog
 * removes the entities read from it.
 *
 * The Location entities are those `fastify:catalog:register-local` registers
 * (see `toDeferredLocationEntity`): while both hold one, the catalog
 * keeps a single entity, and the provider's run takes it over (the catalog
 * moves an entity's reference to the provider that last wrote it), so the
 * repository's existence decides whether it stays.
 *
 * @public
 */
export class LocalGitDiscoveryProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  constructor(
    private readonly options: {
      root: string;
      logger: LoggerService;
      /** Runs the scan on start and then periodically; omit to scan only when refresh() is called. */
      taskRunner?: SchedulerServiceTaskRunner;
    },
  ) {}

  getProviderName(): string {
    return 'LocalGitDiscoveryProvider';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.options.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (e) {
          this.options.logger.error(
            `Failed to list local repositories under ${this.options.root}: ${
              (e as Error).message
            }`,
          );
        }
      },
    });
  }

  /**
   * Lists the repositories and replaces the provider's Locations with them.
   * Returns the locations it emitted. Throws (emitting nothing) when the root
   * cannot be read, so a transient error never empties the catalog.
   */
  async refresh(): Promise<LocationSpec[]> {
    if (!this.connection) {
      throw new Error(
        `${this.getProviderName()} is not connected to the catalog yet`,
      );
    }
    const { root, logger } = this.options;
    const repositories = await listLocalRepositories(root, (dir, reason) =>
      logger.debug(`Skipping ${dir}: ${reason}`),
    );
    const locations: LocationSpec[] = [];
    for (const repo of repositories) {
      if (
        await localRepositoryHasFile(
          repo.location.path,
          repo.defaultBranch,
          DISCOVERED_CATALOG_FILE,
        )
      ) {
        locations.push(localCatalogFileLocation(repo.location.repoContentsUrl));
      } else {
        logger.debug(
          `Skipping ${repo.location.path}: no ${DISCOVERED_CATALOG_FILE} on ${repo.defaultBranch}`,
        );
      }
    }
    await this.connection.applyMutation({
      type: 'full',
      entities: locations.map(toDeferredLocationEntity),
    });
    logger.debug(
      `Found ${locations.length} local repositories with a catalog file under ${root}`,
    );
    return locations;
  }
}
