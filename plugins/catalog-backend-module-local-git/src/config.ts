import { Config } from '@backstage/config';

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
