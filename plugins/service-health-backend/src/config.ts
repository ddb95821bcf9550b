import { Config } from '@backstage/config';
import { DEFAULT_ENVIRONMENT } from '@fastify-backstage/plugin-service-health-common';

/** One configured environment. @public */
export interface EnvironmentConfig {
  name: string;
  title?: string;
  metricsSource: string;
  /** Undefined: the traces module's default source. */
  tracesSource?: string;
}

/** @public */
export interface PrometheusSourceConfig {
  id: string;
  baseUrl: string;
  uiUrl?: string;
  token?: string;
  defaultSelector: string;
  timeoutMs: number;
}

/** The plugin's settings with defaults applied. @public */
export interface ServiceHealthConfig {
  allowedHosts: string[];
  environments: EnvironmentConfig[];
  http: { timeoutMs: number; maxResponseBytes: number; maxRedirects: number };
  health: {
    enabled: boolean;
    intervalSeconds: number;
    concurrency: number;
    retentionDays: number;
    minRefreshIntervalSeconds: number;
  };
  direct: {
    retentionMinutes: number;
    historyDays: number;
    freshnessSeconds: number;
  };
  slo: { retentionDays: number };
  prometheus: PrometheusSourceConfig[];
}

export const DIRECT_SOURCE_ID = 'direct';

const ENV_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function readServiceHealthConfig(root: Config): ServiceHealthConfig {
  const c = root.getOptionalConfig('serviceHealth');
  const environments: EnvironmentConfig[] = (
    c?.getOptionalConfigArray('environments') ?? []
  ).map(e => {
    const name = e.getString('name');
    if (!ENV_NAME.test(name)) {
      throw new Error(
        `serviceHealth.environments: invalid name "${name}" (lower-case letters, digits and dashes)`,
      );
    }
    return {
      name,
      title: e.getOptionalString('title'),
      metricsSource: e.getOptionalString('metricsSource') ?? DIRECT_SOURCE_ID,
      tracesSource: e.getOptionalString('tracesSource'),
    };
  });
  if (environments.length === 0) {
    environments.push({
      name: DEFAULT_ENVIRONMENT,
      title: 'Default',
      metricsSource: DIRECT_SOURCE_ID,
    });
  }
  const prometheus = (
    c?.getOptionalConfigArray('metrics.prometheus') ?? []
  ).map(p => ({
    id: p.getString('id'),
    baseUrl: p.getString('baseUrl').replace(/\/+$/, ''),
    uiUrl: p.getOptionalString('uiUrl'),
    token: p.getOptionalString('token'),
    defaultSelector: p.getOptionalString('defaultSelector') ?? 'job="{{name}}"',
    timeoutMs: p.getOptionalNumber('timeoutMs') ?? 10_000,
  }));
  return {
    allowedHosts: c?.getOptionalStringArray('allowedHosts') ?? [],
    environments,
    http: {
      timeoutMs: c?.getOptionalNumber('http.timeoutMs') ?? 5000,
      maxResponseBytes:
        c?.getOptionalNumber('http.maxResponseBytes') ?? 4 * 1024 * 1024,
      maxRedirects: c?.getOptionalNumber('http.maxRedirects') ?? 3,
    },
    health: {
      enabled: c?.getOptionalBoolean('health.enabled') ?? true,
      intervalSeconds: c?.getOptionalNumber('health.intervalSeconds') ?? 30,
      concurrency: c?.getOptionalNumber('health.concurrency') ?? 16,
      retentionDays: c?.getOptionalNumber('health.retentionDays') ?? 7,
      minRefreshIntervalSeconds:
        c?.getOptionalNumber('health.minRefreshIntervalSeconds') ?? 2,
    },
    direct: {
      retentionMinutes:
        c?.getOptionalNumber('metrics.direct.retentionMinutes') ?? 120,
      historyDays: c?.getOptionalNumber('metrics.direct.historyDays') ?? 7,
      freshnessSeconds:
        c?.getOptionalNumber('metrics.direct.freshnessSeconds') ?? 5,
    },
    slo: {
      retentionDays: Math.max(
        1,
        c?.getOptionalNumber('slo.retentionDays') ?? 35,
      ),
    },
    prometheus,
  };
}
