import type {
  EntitySlos,
  HealthHistory,
  HealthHistoryPoint,
  HealthSnapshot,
  MetricsSeries,
  MetricsSummary,
  ServiceHealthApi,
  SourcedResponse,
  Span,
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';
import type { Entity } from '@backstage/catalog-model';

export const NOW = Date.parse('2026-11-22T10:00:00.000Z');
const iso = (t: number) => new Date(t).toISOString();

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders',
    namespace: 'default',
    annotations: {
      'service-health.io/base-url': 'http://localhost:8080',
      'service-health.io/otel-service-name': 'orders',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

export const entityWithoutAnnotations: Entity = {
  ...entity,
  metadata: { name: 'legacy', namespace: 'default', annotations: {} },
};

export const ok = <T>(data: T, source = 'direct'): SourcedResponse<T> => ({
  data,
  source: { source, status: 'ok' },
});

export const healthy: HealthSnapshot = {
  entityRef: 'component:default/orders',
  environment: 'default',
  status: 'pass',
  version: '1.4.2',
  checkedAt: iso(NOW - 5_000),
  liveness: {
    url: 'http://localhost:8080/health',
    status: 'pass',
    httpStatus: 200,
    latencyMs: 2.4,
    checkedAt: iso(NOW - 5_000),
  },
  readiness: {
    url: 'http://localhost:8080/ready',
    status: 'pass',
    httpStatus: 200,
    latencyMs: 8.1,
    checkedAt: iso(NOW - 5_000),
  },
  checks: [
    {
      name: 'postgres:connection',
      componentType: 'datastore',
      status: 'pass',
      observedValue: 3.2,
      observedUnit: 'ms',
    },
    {
      name: 'redis:connection',
      componentType: 'datastore',
      status: 'pass',
      observedValue: 0.8,
      observedUnit: 'ms',
    },
    {
      name: 'payments:circuit',
      componentType: 'component',
      status: 'warn',
      observedValue: 'open',
      output: 'circuit open after 5 failures',
    },
  ],
};

export const down: HealthSnapshot = {
  ...healthy,
  status: 'down',
  liveness: {
    url: 'http://localhost:8080/health',
    status: 'down',
    checkedAt: iso(NOW - 5_000),
    error: 'connect ECONNREFUSED 127.0.0.1:8080',
  },
  readiness: {
    url: 'http://localhost:8080/ready',
    status: 'down',
    checkedAt: iso(NOW - 5_000),
    error: 'connect ECONNREFUSED 127.0.0.1:8080',
  },
  checks: [],
};

function historyStatus(i: number): HealthHistoryPoint['status'] {
  if (i === 40 || i === 41) return 'fail';
  if (i === 90) return 'warn';
  return 'pass';
}

export const history: HealthHistory = {
  entityRef: 'component:default/orders',
  environment: 'default',
  from: iso(NOW - 3_600_000),
  to: iso(NOW),
  uptimeRatio: 0.983,
  firstUpAt: iso(NOW - 2 * 86_400_000),
  countedFrom: iso(NOW - 3_600_000),
  countedProbes: 120,
  points: Array.from({ length: 120 }, (_, i) => ({
    checkedAt: iso(NOW - 3_600_000 + i * 30_000),
    status: historyStatus(i),
    latencyMs: 2 + (i % 7),
  })),
};

export const summary: MetricsSummary = {
  entityRef: 'component:default/orders',
  environment: 'default',
  from: iso(NOW - 3_600_000),
  to: iso(NOW),
  requestRate: 42.7,
  errorRate: 0.0123,
  p50Ms: 11.2,
  p95Ms: 87.4,
  p99Ms: 312,
  routes: [
    {
      method: 'GET',
      route: '/v1/items/:id',
      requestRate: 30.1,
      errorRate: 0.002,
      p50Ms: 8,
      p95Ms: 40,
      p99Ms: 90,
      requests: 108360,
    },
    {
      method: 'POST',
      route: '/v1/items',
      requestRate: 12.6,
      errorRate: 0.038,
      p50Ms: 25,
      p95Ms: 180,
      p99Ms: 640,
      requests: 45360,
    },
  ],
  process: {
    cpuUsage: 0.23,
    residentMemoryBytes: 142 * 1024 * 1024,
    heapUsedBytes: 61 * 1024 * 1024,
    eventLoopLagP99Ms: 12.5,
  },
};

export const series: MetricsSeries = {
  entityRef: 'component:default/orders',
  environment: 'default',
  from: iso(NOW - 3_600_000),
  to: iso(NOW),
  stepSeconds: 60,
  points: Array.from({ length: 60 }, (_, i) => ({
    t: NOW - 3_600_000 + (i + 1) * 60_000,
    requestRate: 40 + 5 * Math.sin(i / 5),
    errorRate: i > 40 && i < 45 ? 0.06 : 0.004,
    p50Ms: 10 + (i % 5),
    p95Ms: 80 + 10 * Math.sin(i / 3),
    p99Ms: 300 + 40 * Math.cos(i / 4),
  })),
};

const T0 = NOW - 60_000;

const span = (
  s: Partial<Span> &
    Pick<Span, 'spanId' | 'operation' | 'startTime' | 'durationMs'>,
): Span => ({
  traceId: 'trace-1',
  serviceName: 'orders',
  kind: 'internal',
  status: 'unset',
  attributes: {},
  events: [],
  ...s,
});

/**
 * root (0..100)
 *  ├─ auth (2..10)              ← critical (runs before db)
 *  ├─ db.select (12..40)        ← critical
 *  ├─ cache.get (14..20)        (overlaps db: not critical)
 *  └─ payments.charge (42..95)  ← critical, error
 *       └─ http POST (45..90)   ← critical
 */
export const traceSpans: Span[] = [
  span({
    spanId: 'root',
    operation: 'POST /v1/orders',
    kind: 'server',
    startTime: T0,
    durationMs: 100,
    status: 'error',
    attributes: {
      'http.method': 'POST',
      'http.route': '/v1/orders',
      'http.status_code': 502,
    },
  }),
  span({
    spanId: 'auth',
    parentSpanId: 'root',
    operation: 'auth.verify',
    startTime: T0 + 2,
    durationMs: 8,
  }),
  span({
    spanId: 'db',
    parentSpanId: 'root',
    operation: 'pg.query:SELECT',
    kind: 'client',
    startTime: T0 + 12,
    durationMs: 28,
    attributes: {
      'db.system': 'postgresql',
      'db.statement': 'SELECT * FROM items WHERE id = $1',
    },
  }),
  span({
    spanId: 'cache',
    parentSpanId: 'root',
    operation: 'cache.get',
    startTime: T0 + 14,
    durationMs: 6,
  }),
  span({
    spanId: 'charge',
    parentSpanId: 'root',
    operation: 'payments.charge',
    startTime: T0 + 42,
    durationMs: 53,
    status: 'error',
    statusMessage: 'upstream returned 502',
    events: [
      {
        name: 'exception',
        time: T0 + 94,
        attributes: {
          'exception.type': 'UpstreamError',
          'exception.message': 'Bad gateway',
          'exception.stacktrace':
            'UpstreamError: Bad gateway\n    at charge (payments.ts:42)',
        },
      },
    ],
  }),
  span({
    spanId: 'http',
    parentSpanId: 'charge',
    operation: 'HTTP POST',
    kind: 'client',
    startTime: T0 + 45,
    durationMs: 45,
    attributes: { 'http.url': 'http://payments:8080/charge' },
  }),
];

export const traceSummaries: TraceSummary[] = [
  {
    traceId: 'trace-1',
    rootService: 'orders',
    rootOperation: 'POST /v1/orders',
    startTime: T0,
    durationMs: 100,
    rootDurationMs: 100,
    spanCount: 6,
    errorCount: 2,
    services: ['orders'],
    deepLink: 'http://localhost:16686/trace/trace-1',
  },
  {
    traceId: 'trace-2',
    rootService: 'orders',
    rootOperation: 'GET /v1/items/:id',
    startTime: T0 - 10_000,
    durationMs: 12.5,
    rootDurationMs: 12.5,
    spanCount: 3,
    errorCount: 0,
    services: ['orders'],
  },
  {
    // The request answered in 4.2 ms; its event consumer ran ~250 ms later.
    traceId: 'trace-3',
    rootService: 'orders',
    rootOperation: 'POST /v1/items',
    startTime: T0 - 20_000,
    durationMs: 262,
    rootDurationMs: 4.2,
    spanCount: 5,
    errorCount: 0,
    services: ['orders'],
  },
];

export const trace: Trace = {
  traceId: 'trace-1',
  spans: traceSpans,
  summary: traceSummaries[0],
};

/**
 * Two SLOs at known figures: availability 99.9 % over 28 d with 1,000,000
 * requests and 400 5xx (SLI 99.96 %, budget left 1 − 400 / 1,000 = 60 %),
 * and latency < 300 ms at 95 % with 80,000 slow requests (SLI 92 %, budget
 * 1 − 80,000 / 50,000 = −60 %) burning fast.
 */
export const slos: EntitySlos = {
  entityRef: 'component:default/orders',
  environment: 'default',
  file: 'http://localhost/orders/slo.yaml',
  asOf: iso(NOW),
  slos: [
    {
      name: 'orders-availability',
      displayName: 'Availability',
      indicator: { type: 'availability' },
      target: 0.999,
      window: '28d',
      windowSeconds: 28 * 86_400,
      status: 'ok',
      sli: 0.9996,
      errorBudgetRemaining: 0.6,
      totalEvents: 1_000_000,
      badEvents: 400,
      burnRates: { '5m': 0.2, '30m': 0.3, '1h': 0.4, '6h': 0.4 },
      alerts: { page: false, ticket: false },
    },
    {
      name: 'orders-latency',
      displayName: 'Latency',
      indicator: { type: 'latency', thresholdSeconds: 0.3 },
      target: 0.95,
      window: '28d',
      windowSeconds: 28 * 86_400,
      status: 'page',
      sli: 0.92,
      errorBudgetRemaining: -0.6,
      totalEvents: 1_000_000,
      badEvents: 80_000,
      burnRates: { '5m': 16, '30m': 15.2, '1h': 14.9, '6h': 7 },
      alerts: { page: true, ticket: true },
    },
  ],
};

/** An API mock answering everything with healthy data; override per test. */
export function mockApi(overrides: Partial<ServiceHealthApi> = {}) {
  const api = {
    getEnvironments: jest.fn(async () => [
      {
        name: 'default',
        baseUrl: 'http://localhost:8080',
        metricsSource: 'direct',
        tracesSource: 'embedded',
      },
    ]),
    getHealth: jest.fn(async () => ok(healthy)),
    refreshHealth: jest.fn(async () => ok(healthy)),
    getHealthHistory: jest.fn(async () => ok(history)),
    getMetricsSummary: jest.fn(async () => ok(summary, 'prometheus')),
    getMetricsSeries: jest.fn(async () => ok(series, 'prometheus')),
    listTraces: jest.fn(async () => ok(traceSummaries, 'embedded')),
    getTrace: jest.fn(async () => ok(trace, 'embedded')),
    getSlos: jest.fn(async () => ok(slos)),
    getReleases: jest.fn(async () => ok([])),
  };
  Object.assign(api, overrides);
  return api as unknown as jest.Mocked<ServiceHealthApi>;
}
