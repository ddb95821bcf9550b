import { ScmIntegrationRegistry } from '@backstage/integration';

/**
 * Where `fastify:publish` can put a new repository, as the Create form asks.
 *
 * @public
 */
export interface PublishTargetStatus {
  id: 'local' | 'github';
  /** Whether publishing there can work with this portal's configuration. */
  available: boolean;
  /** Why not, in words for the person filling the form. */
  reason?: string;
}

export const DEFAULT_GITHUB_HOST = 'github.com';

/**
 * Whether this portal can create repositories on a GitHub host: it needs an
 * integration for the host with a token or a GitHub App. Only the portal's own
 * credentials count; the template asks for no user token.
 *
 * @public
 */
export function githubPublishing(
  integrations: ScmIntegrationRegistry,
  host: string = DEFAULT_GITHUB_HOST,
): PublishTargetStatus {
  const integration = integrations.github.byHost(host);
  if (!integration) {
    return {
      id: 'github',
      available: false,
      reason: `This portal has no GitHub integration for ${host} (integrations.github in app-config.yaml).`,
    };
  }
  const { token, apps } = integration.config;
  if (!token && !apps?.length) {
    return {
      id: 'github',
      available: false,
      reason: `This portal's GitHub integration for ${host} has no token: start the portal with GITHUB_TOKEN set (a token that may create repositories), or publish to a local git repository.`,
    };
  }
  return { id: 'github', available: true };
}
