/**
 * A catalog module that reads `local-git` locations (catalog files in local
 * bare repositories, as `fastify:publish:local` makes them) and rediscovers
 * those repositories after a restart.
 *
 * `backend.add(import('@fastify-backstage/plugin-catalog-backend-module-local-git'))`
 *
 * @packageDocumentation
 */
export { catalogModuleLocalGit as default } from './module';
export { LocalGitLocationProcessor } from './LocalGitLocationProcessor';
export { LocalGitDiscoveryProvider } from './LocalGitDiscoveryProvider';
