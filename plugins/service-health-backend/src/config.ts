import { Config } from '@backstage/config';
import { DEFAULT_ENVIRONMENT } from '@fastify-backstage/plugin-service-health-common';
import { DEFAULT_SAMPLE_LIMIT } from './metrics/exposition';
import { DEFAULT_RETENTION } from './traces/EmbeddedTraceSource';
import { DEFAULT_UPSTREAM_LIMITS } from './traces/upstream';

/*
 * The one reader of `serviceHealth.*`: every setting of the plugin (its
 * traces included) is read and checked here, once, at start-up.
 */

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

/** Limits of calls to one upstream, with the headers it needs. @public */
export interface UpstreamHttpSettings {
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  headers: Record<string, string>;
}

/** `serviceHealth.traces` with defaults applied. @public */
export interface TracesConfig {
  /** `serviceHealth.traces.source`, default `embedded`. */
  defaultSource: 'embedded' | 'jaeger' | 'tempo';
  retention: {
    maxSpans: number;
    maxAgeHours: number;
    pruneIntervalSeconds: number;
  };
  receiver: {
    enabled: boolean;
    tokens: string[];
    allowUnauthenticated: boolean;
    maxBodyBytes: number;
  };
  jaeger?: {
    baseUrl: string;
    apiVersion: 'v1' | 'v2';
    uiUrl?: string;
    http: UpstreamHttpSettings;
  };
  tempo?: {
    baseUrl: string;
    search: 'traceql' | 'tags';
    grafanaUrl?: string;
    datasourceUid?: string;
    grafanaOrgId?: number;
    http: UpstreamHttpSettings;
  };
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
    /** Poll tasks, each owning a stable hash range of the targets. */
    shards: number;
    /** A replica whose heartbeat is older than this is gone; its shards move. */
    replicaTimeoutSeconds: number;
    retentionDays: number;
    /** Probes younger than this are kept one row each; older ones in buckets. */
    rawHours: number;
    rollupMinutes: number;
    minRefreshIntervalSeconds: number;
  };
  direct: {
    retentionMinutes: number;
    historyDays: number;
    freshnessSeconds: number;
    sampleLimit: number;
  };
  slo: { retentionDays: number };
  prometheus: PrometheusSourceConfig[];
  traces: TracesConfig;
}

export const DIRECT_SOURCE_ID = 'direct';

const ENV_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function positiveInteger(
  c: Config | undefined,
  key: string,
  fallback: number,
): number {
  const value = c?.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `serviceHealth.${key} must be a positive integer, got ${value}`,
    );
  }
  return value;
}

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
      concurrency: positiveInteger(c, 'health.concurrency', 16),
      shards: positiveInteger(c, 'health.shards', 16),
      replicaTimeoutSeconds: positiveInteger(
        c,
        'health.replicaTimeoutSeconds',
        10,
      ),
      retentionDays: c?.getOptionalNumber('health.retentionDays') ?? 7,
      rawHours: c?.getOptionalNumber('health.rawHours') ?? 6,
      rollupMinutes: c?.getOptionalNumber('health.rollupMinutes') ?? 60,
      minRefreshIntervalSeconds:
        c?.getOptionalNumber('health.minRefreshIntervalSeconds') ?? 2,
    },
    direct: {
      retentionMinutes:
        c?.getOptionalNumber('metrics.direct.retentionMinutes') ?? 120,
      historyDays: c?.getOptionalNumber('metrics.direct.historyDays') ?? 7,
      freshnessSeconds:
        c?.getOptionalNumber('metrics.direct.freshnessSeconds') ?? 5,
      sampleLimit:
        c?.getOptionalNumber('metrics.direct.sampleLimit') ??
        DEFAULT_SAMPLE_LIMIT,
    },
    slo: {
      retentionDays: Math.max(
        1,
        c?.getOptionalNumber('slo.retentionDays') ?? 35,
      ),
    },
    prometheus,
    traces: readTracesConfig(c?.getOptionalConfig('traces')),
  };
}

function positive(
  config: Config | undefined,
  key: string,
  fallback: number,
): number {
  const value = config?.getOptionalNumber(key);
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`serviceHealth.traces.${key} must be a positive number`);
  }
  return value;
}

/** `serviceHealth.traces.<id>.<key>`: one of `values`, the first by default. */
function oneOf<T extends string>(
  config: Config,
  id: string,
  key: string,
  values: readonly [T, ...T[]],
): T {
  const value = config.getOptionalString(key) ?? values[0];
  if (!(values as readonly string[]).includes(value)) {
    throw new Error(
      `serviceHealth.traces.${id}.${key} must be ${values.join(' or ')}`,
    );
  }
  return value as T;
}

/**
 * The settings every remote trace source has: its `timeoutMs` over the
 * common limits, its `token` as a bearer token, plus its own headers.
 */
function upstreamHttp(
  config: Config,
  limits: Omit<UpstreamHttpSettings, 'headers'>,
  headers: Record<string, string> = {},
): UpstreamHttpSettings {
  const token = config.getOptionalString('token');
  return {
    ...limits,
    timeoutMs: config.getOptionalNumber('timeoutMs') ?? limits.timeoutMs,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  };
}

function readTracesConfig(c: Config | undefined): TracesConfig {
  const defaultSource = c?.getOptionalString('source') ?? 'embedded';
  if (!['embedded', 'jaeger', 'tempo'].includes(defaultSource)) {
    throw new Error(
      `serviceHealth.traces.source must be embedded, jaeger or tempo, not "${defaultSource}"`,
    );
  }
  const limits = {
    timeoutMs: positive(c, 'http.timeoutMs', DEFAULT_UPSTREAM_LIMITS.timeoutMs),
    maxResponseBytes: positive(
      c,
      'http.maxResponseBytes',
      DEFAULT_UPSTREAM_LIMITS.maxResponseBytes,
    ),
    maxRedirects:
      c?.getOptionalNumber('http.maxRedirects') ??
      DEFAULT_UPSTREAM_LIMITS.maxRedirects,
  };
  const receiver = c?.getOptionalConfig('receiver');
  const jaeger = c?.getOptionalConfig('jaeger');
  const tempo = c?.getOptionalConfig('tempo');
  const tenant = tempo?.getOptionalString('tenant');
  const settings: TracesConfig = {
    defaultSource: defaultSource as TracesConfig['defaultSource'],
    retention: {
      maxSpans: positive(c, 'retention.maxSpans', DEFAULT_RETENTION.maxSpans),
      maxAgeHours: positive(
        c,
        'retention.maxAgeHours',
        DEFAULT_RETENTION.maxAgeHours,
      ),
      pruneIntervalSeconds: positive(c, 'retention.pruneIntervalSeconds', 60),
    },
    receiver: {
      enabled: receiver?.getOptionalBoolean('enabled') ?? true,
      tokens: receiver?.getOptionalStringArray('tokens') ?? [],
      allowUnauthenticated:
        receiver?.getOptionalBoolean('allowUnauthenticated') ?? false,
      maxBodyBytes: positive(c, 'receiver.maxBodyBytes', 4 * 1024 * 1024),
    },
    jaeger: jaeger && {
      baseUrl: jaeger.getString('baseUrl'),
      apiVersion: oneOf(jaeger, 'jaeger', 'apiVersion', ['v1', 'v2']),
      uiUrl: jaeger.getOptionalString('uiUrl'),
      http: upstreamHttp(jaeger, limits),
    },
    tempo: tempo && {
      baseUrl: tempo.getString('baseUrl'),
      search: oneOf(tempo, 'tempo', 'search', ['traceql', 'tags']),
      grafanaUrl: tempo.getOptionalString('grafanaUrl'),
      datasourceUid: tempo.getOptionalString('datasourceUid'),
      grafanaOrgId: tempo.getOptionalNumber('grafanaOrgId'),
      http: upstreamHttp(
        tempo,
        limits,
        tenant ? { 'X-Scope-OrgID': tenant } : {},
      ),
    },
  };
  if (defaultSource !== 'embedded' && !settings[defaultSource as 'jaeger']) {
    throw new Error(
      `serviceHealth.traces.source is "${defaultSource}" but serviceHealth.traces.${defaultSource} is not configured`,
    );
  }
  return settings;
}
