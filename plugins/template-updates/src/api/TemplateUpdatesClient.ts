import { CompoundEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  BranchComparison,
  TemplateDrift,
} from '@fastify-backstage/plugin-template-updates-common';
import { TemplateUpdatesApi } from './TemplateUpdatesApi';

/**
 * HTTP client of the template-updates backend.
 *
 * @public
 */
export class TemplateUpdatesClient implements TemplateUpdatesApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getDrift(entity: CompoundEntityRef): Promise<TemplateDrift> {
    const path = [entity.kind, entity.namespace, entity.name]
      .map(encodeURIComponent)
      .join('/');
    return this.get(`/entities/${path}/drift`);
  }

  compareLocalBranches(options: {
    repository: string;
    base: string;
    head: string;
  }): Promise<BranchComparison> {
    const query = new URLSearchParams({
      base: options.base,
      head: options.head,
    });
    return this.get(
      `/local/${encodeURIComponent(options.repository)}/compare?${query}`,
    );
  }

  private async get<T>(path: string): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('template-updates');
    const res = await this.fetchApi.fetch(`${baseUrl}${path}`);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res.json();
  }
}
