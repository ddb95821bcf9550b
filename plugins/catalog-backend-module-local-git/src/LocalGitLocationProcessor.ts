import { isChildPath } from '@backstage/backend-plugin-api';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  CatalogProcessorParser,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  LOCAL_GIT_LOCATION_TYPE,
  parseLocalContentsUrl,
  readLocalRepositoryFile,
} from '@fastify-backstage/plugin-local-git-node';

/**
 * Reads `local-git` locations: `file:///<root>/<name>.git/blob/<branch>/<path>`,
 * i.e. a file on a branch of a bare repository made by `fastify:publish:local`.
 * Only repositories under the configured root are read, so registering a
 * location cannot make the catalog read arbitrary files of the backend host.
 * The catalog re-reads the branch on every refresh, as it does for GitHub URLs.
 *
 * @public
 */
export class LocalGitLocationProcessor implements CatalogProcessor {
  constructor(private readonly root: string) {}

  getProcessorName(): string {
    return 'LocalGitLocationProcessor';
  }

  async readLocation(
    location: LocationSpec,
    optional: boolean,
    emit: CatalogProcessorEmit,
    parser: CatalogProcessorParser,
  ): Promise<boolean> {
    if (location.type !== LOCAL_GIT_LOCATION_TYPE) return false;
    const parsed = parseLocalContentsUrl(location.target);
    if (!parsed) {
      emit(
        processingResult.inputError(
          location,
          `${LOCAL_GIT_LOCATION_TYPE} target must look like file:///<root>/<name>.git/blob/<branch>/<path>, got ${location.target}`,
        ),
      );
      return true;
    }
    if (!isChildPath(this.root, parsed.repoPath)) {
      emit(
        processingResult.inputError(
          location,
          `${location.target} is outside the local repository root ${this.root}`,
        ),
      );
      return true;
    }
    let data: Buffer;
    try {
      data = await readLocalRepositoryFile(
        parsed.repoPath,
        parsed.branch,
        parsed.filePath,
      );
    } catch (e) {
      if (!optional) {
        emit(
          processingResult.notFoundError(
            location,
            `Cannot read ${parsed.filePath} on ${parsed.branch} of ${
              parsed.repoPath
            }: ${(e as Error).message}`,
          ),
        );
      }
      return true;
    }
    for await (const result of parser({ data, location })) {
      emit(result);
    }
    return true;
  }
}
