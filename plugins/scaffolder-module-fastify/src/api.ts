import {
  ApiHolder,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';

/**
 * What `GET /api/scaffolder/fastify/publish-targets` answers for each target.
 *
 * @public
 */
export interface PublishTargetStatus {
  id: 'local' | 'github';
  available: boolean;
  reason?: string;
}

/**
 * A repository made by the local publisher (`GET /api/scaffolder/fastify/local-repositories/:name`).
 *
 * @public
 */
export interface LocalRepositoryDescription {
  name: string;
  defaultBranch: string;
  remoteUrl: string;
  cloneCommand: string;
  commits: Array<{
    oid: string;
    message: string;
    author: string;
    date: string;
  }>;
  files: string[];
  readme?: string;
}

/**
 * Reads the routes `@fastify-backstage/plugin-scaffolder-backend-module-fastify`
 * adds to the scaffolder backend. Validators get an ApiHolder rather than hooks,
 * so this takes one too.
 *
 * @public
 */
export class FastifyScaffolderClient {
  constructor(private readonly apis: ApiHolder) {}

  async getPublishTargets(): Promise<PublishTargetStatus[]> {
    const res = await this.fetch('/fastify/publish-targets');
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()).items;
  }

  /** The names of the repositories made by the local publisher. */
  async listLocalRepositoryNames(): Promise<string[]> {
    const res = await this.fetch('/fastify/local-repositories');
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return (await res.json()).items.map((r: { name: string }) => r.name);
  }

  /** The repository, or undefined when no local repository has that name. */
  async getLocalRepository(
    name: string,
  ): Promise<LocalRepositoryDescription | undefined> {
    const res = await this.fetch(
      `/fastify/local-repositories/${encodeURIComponent(name)}`,
    );
    if (res.status === 404) return undefined;
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.json();
  }

  private async fetch(path: string): Promise<Response> {
    const discovery = this.apis.get(discoveryApiRef);
    const fetchApi = this.apis.get(fetchApiRef);
    if (!discovery || !fetchApi) {
      throw new Error('The discovery and fetch APIs are not available');
    }
    const base = await discovery.getBaseUrl('scaffolder');
    return fetchApi.fetch(`${base}${path}`);
  }
}
