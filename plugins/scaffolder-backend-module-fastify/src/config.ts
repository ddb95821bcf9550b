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
export function readDefaultAuthor(config: Config): { name: string; email: string } {
  return {
    name: config.getOptionalString('scaffolder.defaultAuthor.name') ?? 'Scaffolder',
    email:
      config.getOptionalString('scaffolder.defaultAuthor.email') ??
      'scaffolder@backstage.io',
  };
}
