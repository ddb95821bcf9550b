/**
 * Local git repositories for trying a portal on one machine: bare repositories
 * under one root that the scaffolder publishes to and the catalog reads from.
 * Shared by `@fastify-backstage/plugin-scaffolder-backend-module-fastify` and
 * `@fastify-backstage/plugin-catalog-backend-module-local-git`.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_LOCAL_REPOSITORY_ROOT,
  LOCAL_REPOSITORY_ROOT_KEY,
  readLocalRepositoryRoot,
} from './config';
export {
  LOCAL_GIT_LOCATION_TYPE,
  REPOSITORY_NAME,
  createLocalRepository,
  describeLocalRepository,
  listLocalRepositories,
  localRepositoryHasFile,
  localRepositoryLocation,
  parseLocalContentsUrl,
  readLocalRepositoryFile,
  validateBranchName,
  validateRepositoryName,
} from './localRepository';
export { compareLocalBranches } from './compareBranches';
export type { BranchComparisonResult, ComparedFile } from './compareBranches';
export type {
  CreateLocalRepositoryOptions,
  LocalRepositoryDescription,
  LocalRepositoryLocation,
  LocalRepositorySummary,
} from './localRepository';
export {
  LocalGitUrlReader,
  localGitUrlReaderServiceFactory,
  parseLocalGitUrl,
} from './LocalGitUrlReader';
export type { LocalGitUrl } from './LocalGitUrlReader';
