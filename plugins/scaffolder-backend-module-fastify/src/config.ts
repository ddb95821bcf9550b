import { Config } from '@backstage/config';
import path from 'node:path';

/** Default root of local repositories, relative to the backend's working directory. */
export const DEFAULT_LOCAL_REPOSITORY_ROOT = '.local-git';

/**
 * The absolute root under which `fastify:publish:local` creates bare
 * repositories: `scaffolder.fastify.localRepositoryRoot`, resolved against the
 * backend's working directory when relative; default `<cwd>/.local-git`.
 */
export function readLocalRepositoryRoot(config: Config): string {
  const configured =
    config.getOptionalString('scaffolder.fastify.localRepositoryRoot') ??
    DEFAULT_LOCAL_REPOSITORY_ROOT;
  return path.resolve(process.cwd(), configured);
}

/** The scaffolder's own default author settings (`scaffolder.defaultAuthor`). */
export function readDefaultAuthor(config: Config): {
  name: string;
  email: string;
} {
  return {
    name:
      config.getOptionalString('scaffolder.defaultAuthor.name') ?? 'Scaffolder',
    email:
      config.getOptionalString('scaffolder.defaultAuthor.email') ??
      'scaffolder@backstage.io',
  };
}

/** Default period of the catalog's scan of the local repository root. */
export const DEFAULT_DISCOVERY_FREQUENCY_SECONDS = 30;

export interface LocalRepositoryDiscoveryConfig {
  enabled: boolean;
  frequencySeconds: number;
}

/**
 * `scaffolder.fastify.localRepositoryDiscovery`: whether the catalog module
 * lists the repositories under the local root (on start, then every
 * `frequencySeconds`) and keeps one Location per repository in the catalog.
 * Enabled by default, every 30 seconds.
 */
export function readLocalRepositoryDiscovery(
  config: Config,
): LocalRepositoryDiscoveryConfig {
  const key = 'scaffolder.fastify.localRepositoryDiscovery';
  const enabled = config.getOptionalBoolean(`${key}.enabled`) ?? true;
  const frequencySeconds =
    config.getOptionalNumber(`${key}.frequencySeconds`) ??
    DEFAULT_DISCOVERY_FREQUENCY_SECONDS;
  if (!Number.isFinite(frequencySeconds) || frequencySeconds <= 0) {
    throw new Error(
      `${key}.frequencySeconds must be a positive number, got ${frequencySeconds}`,
    );
  }
  return { enabled, frequencySeconds };
}
