import { parseEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  EntityRefString,
  EntitySlos,
  MAX_STATUS_BATCH,
  ServiceHealthStatusApi,
  SloStatusBatchResponse,
  StatusBatchResponse,
  SloHistory,
  HealthHistory,
  HealthSnapshot,
  MetricsSeries,
  MetricsSummary,
  Release,
  ServiceEnvironment,
  ServiceHealthApi,
  SourcedResponse,
  TimeWindow,
  Trace,
  TraceQuery,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';

type Query = Record<string, string | number | boolean | undefined>;

/**
 * HTTP client of the service-health backend (`/api/service-health`): the
 * entity API of the Health tab and the batch status API of the catalog.
 *
 * @public
 */
export class ServiceHealthClient
  implements ServiceHealthApi, ServiceHealthStatusApi
{
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  getEnvironments(entityRef: EntityRefString): Promise<ServiceEnvironment[]> {
    return this.request(entityRef, '/environments');
  }

  getHealth(
    entityRef: EntityRefString,
    options?: { environment?: string },
  ): Promise<SourcedResponse<HealthSnapshot>> {
    return this.request(entityRef, '/health', {
      environment: options?.environment,
    });
  }

  refreshHealth(
    entityRef: EntityRefString,
    options?: { environment?: string },
  ): Promise<SourcedResponse<HealthSnapshot>> {
    return this.request(
      entityRef,
      '/health/refresh',
      { environment: options?.environment },
      'POST',
    );
  }

  getHealthHistory(
    entityRef: EntityRefString,
    window?: TimeWindow,
  ): Promise<SourcedResponse<HealthHistory>> {
    return this.request(entityRef, '/health/history', windowQuery(window));
  }

  getMetricsSummary(
    entityRef: EntityRefString,
    window?: TimeWindow,
  ): Promise<SourcedResponse<MetricsSummary>> {
    return this.request(entityRef, '/metrics/summary', windowQuery(window));
  }

  getMetricsSeries(
    entityRef: EntityRefString,
    window?: TimeWindow & { stepSeconds?: number },
  ): Promise<SourcedResponse<MetricsSeries>> {
    return this.request(entityRef, '/metrics/series', {
      ...windowQuery(window),
      step: window?.stepSeconds,
    });
  }

  listTraces(
    entityRef: EntityRefString,
    query?: TraceQuery,
  ): Promise<SourcedResponse<TraceSummary[]>> {
    return this.request(entityRef, '/traces', {
      ...windowQuery(query),
      errorsOnly: query?.errorsOnly || undefined,
      minDurationMs: query?.minDurationMs,
      operation: query?.operation || undefined,
      limit: query?.limit,
    });
  }

  getTrace(
    entityRef: EntityRefString,
    traceId: string,
    options?: { environment?: string },
  ): Promise<SourcedResponse<Trace>> {
    return this.request(entityRef, `/traces/${encodeURIComponent(traceId)}`, {
      environment: options?.environment,
    });
  }

  getSloHistory(
    entityRef: EntityRefString,
    window?: TimeWindow & { stepSeconds?: number },
  ): Promise<SourcedResponse<SloHistory>> {
    return this.request(entityRef, '/slos/history', {
      ...windowQuery(window),
      step: window?.stepSeconds,
    });
  }

  getReleases(
    entityRef: EntityRefString,
    window?: TimeWindow,
  ): Promise<SourcedResponse<Release[]>> {
    return this.request(entityRef, '/releases', windowQuery(window));
  }

  getSlos(
    entityRef: EntityRefString,
    options?: { environment?: string },
  ): Promise<SourcedResponse<EntitySlos>> {
    return this.request(entityRef, '/slos', {
      environment: options?.environment,
    });
  }

  /**
   * `POST /status`: more refs than one request takes are sent in several
   * requests, one per {@link MAX_STATUS_BATCH} refs.
   */
  async getStatuses(
    entityRefs: string[],
    options?: { environment?: string },
  ): Promise<StatusBatchResponse> {
    const baseUrl = await this.discoveryApi.getBaseUrl('service-health');
    const items: StatusBatchResponse['items'] = [];
    for (let i = 0; i < entityRefs.length; i += MAX_STATUS_BATCH) {
      const page = await this.send<StatusBatchResponse>(`${baseUrl}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entityRefs: entityRefs.slice(i, i + MAX_STATUS_BATCH),
          environment: options?.environment,
        }),
      });
      items.push(...page.items);
    }
    return { items };
  }

  /**
   * `POST /slos/status`: the SLO standing of many entities, one request per
   * `MAX_STATUS_BATCH` (1,000) refs.
   */
  async getSloStatuses(
    entityRefs: string[],
    options?: { environment?: string },
  ): Promise<SloStatusBatchResponse> {
    const baseUrl = await this.discoveryApi.getBaseUrl('service-health');
    const items: SloStatusBatchResponse['items'] = [];
    for (let i = 0; i < entityRefs.length; i += MAX_STATUS_BATCH) {
      const page = await this.send<SloStatusBatchResponse>(
        `${baseUrl}/slos/status`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            entityRefs: entityRefs.slice(i, i + MAX_STATUS_BATCH),
            environment: options?.environment,
          }),
        },
      );
      items.push(...page.items);
    }
    return { items };
  }

  private async send<T>(url: string, init: RequestInit): Promise<T> {
    const response = await this.fetchApi.fetch(url, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }

  private async request<T>(
    entityRef: EntityRefString,
    path: string,
    query: Query = {},
    method: 'GET' | 'POST' = 'GET',
  ): Promise<T> {
    const { kind, namespace, name } = parseEntityRef(entityRef);
    const baseUrl = await this.discoveryApi.getBaseUrl('service-health');
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') {
        search.set(key, String(value));
      }
    }
    const qs = search.toString();
    const url = `${baseUrl}/entities/${[
      kind.toLocaleLowerCase('en-US'),
      namespace,
      name,
    ]
      .map(encodeURIComponent)
      .join('/')}${path}${qs ? `?${qs}` : ''}`;
    return this.send<T>(url, { method });
  }
}

function windowQuery(window?: TimeWindow): Query {
  return {
    environment: window?.environment,
    from: window?.from,
    to: window?.to,
  };
}
