import { createApiRef } from '@backstage/core-plugin-api';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  MAX_STATUS_BATCH,
  ServiceHealthStatusApi,
  StatusBatchResponse,
} from '@fastify-backstage/plugin-service-health-common';

/**
 * The batch status API as a Backstage utility API: the catalog column, the
 * "Health" filter and the roll-up card read it.
 *
 * @public
 */
export const serviceHealthStatusApiRef = createApiRef<ServiceHealthStatusApi>({
  id: 'plugin.service-health.status',
});

/**
 * HTTP client of `POST /api/service-health/status`. More refs than one
 * request takes are sent in several requests, one per
 * {@link MAX_STATUS_BATCH} refs.
 *
 * @public
 */
export class ServiceHealthStatusClient implements ServiceHealthStatusApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  async getStatuses(
    entityRefs: string[],
    options?: { environment?: string },
  ): Promise<StatusBatchResponse> {
    const baseUrl = await this.options.discoveryApi.getBaseUrl(
      'service-health',
    );
    const items: StatusBatchResponse['items'] = [];
    for (let i = 0; i < entityRefs.length; i += MAX_STATUS_BATCH) {
      const response = await this.options.fetchApi.fetch(`${baseUrl}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entityRefs: entityRefs.slice(i, i + MAX_STATUS_BATCH),
          environment: options?.environment,
        }),
      });
      if (!response.ok) throw await ResponseError.fromResponse(response);
      const page = (await response.json()) as StatusBatchResponse;
      items.push(...page.items);
    }
    return { items };
  }
}
