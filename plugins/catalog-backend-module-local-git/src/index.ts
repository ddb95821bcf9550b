/**
 * A catalog module that reads `local-git` locations (catalog files in local
 * bare repositories, as `fastify:publish:local` makes them) and rediscovers
 * those repositories after a restart, together with the UrlReader that lets
 * every plugin read files from them (`$text` placeholders, for one).
 *
 * `backend.add(import('@fastify-backstage/plugin-catalog-backend-module-local-git'))`
 *
 * @packageDocumentation
 */
import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { localGitUrlReaderServiceFactory } from '@fastify-backstage/plugin-local-git-node';
import { catalogModuleLocalGit } from './module';

/**
 * The catalog module and the local-git UrlReader: a catalog file in a local
 * repository may point at other files of it (`definition: { $text: ./openapi.yaml }`),
 * which the catalog reads through its UrlReader.
 *
 * @public
 */
export default createBackendFeatureLoader({
  *loader() {
    yield catalogModuleLocalGit;
    yield localGitUrlReaderServiceFactory;
  },
});
export { catalogModuleLocalGit };
export { LocalGitLocationProcessor } from './LocalGitLocationProcessor';
export { LocalGitDiscoveryProvider } from './LocalGitDiscoveryProvider';
