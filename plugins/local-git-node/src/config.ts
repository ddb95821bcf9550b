import { Config } from '@backstage/config';
import path from 'node:path';

/**
 * Default root of local repositories, relative to the backend's working directory.
 *
 * @public
 */
export const DEFAULT_LOCAL_REPOSITORY_ROOT = '.local-git';

/**
 * The config key both the scaffolder actions and the catalog module read.
 *
 * @public
 */
export const LOCAL_REPOSITORY_ROOT_KEY =
  'scaffolder.fastify.localRepositoryRoot';

/**
 * The absolute root of the local bare repositories:
 * `scaffolder.fastify.localRepositoryRoot`, resolved against the backend's
 * working directory when relative; default `<cwd>/.local-git`.
 *
 * @public
 */
export function readLocalRepositoryRoot(config: Config): string {
  const configured =
    config.getOptionalString(LOCAL_REPOSITORY_ROOT_KEY) ??
    DEFAULT_LOCAL_REPOSITORY_ROOT;
  return path.resolve(process.cwd(), configured);
}
