import type {
  BackstageCredentials,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  HealthHistory,
  MetricsSeries,
  MetricsSummary,
  Release,
  ServiceEnvironment,
  SourceState,
  SourcedResponse,
} from '@fastify-backstage/plugin-service-health-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { EnvironmentConfig } from './config';
import type { HealthStore } from './database/stores';
import type { ServicePoller } from './health/ServicePoller';
import { sourceStateOf } from './errors';
import { OutboundHttp } from './outbound/OutboundHttp';
import { addSloRoutes, type SloService } from './slo';
import { resolveTargets } from './targets';
import { involvesService } from './traces/model';
import type { TraceSource } from './traces/types';
import type { MetricsSource, ResolvedTarget } from './types';

/** @public */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  logger: LoggerService;
  http: OutboundHttp;
  environments: EnvironmentConfig[];
  poller: ServicePoller;
  healthStore: HealthStore;
  metricsSources: Map<string, MetricsSource>;
  traceSources: Map<string, TraceSource>;
  defaultTraceSourceId?: string;
  /** Mounted at `/otlp` (the traces module's OTLP receiver). */
  otlpRouter?: express.Router;
  /** Adds `<entity>/slos` and `<entity>/slos/prometheus-rules`. */
  slos?: SloService;
}

const HEALTH_SOURCE = 'direct';
const MAX_WINDOW_MS = 31 * 86_400_000;
const MAX_POINTS = 2000;

const entityParams = z.object({
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'invalid kind'),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'invalid namespace'),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'invalid name'),
});

const environmentParam = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'invalid environment')
  .optional();
const isoTime = z.string().datetime({ offset: true }).optional();

const windowQuery = z.object({
  environment: environmentParam,
  from: isoTime,
  to: isoTime,
});
const seriesQuery = windowQuery.extend({
  step: z.coerce.number().int().min(1).max(86_400).optional(),
});
const boolParam = z
  .enum(['true', 'false', '1', '0'])
  .transform(v => v === 'true' || v === '1')
  .optional();
const tracesQuery = windowQuery.extend({
  errorsOnly: boolParam,
  minDurationMs: z.coerce.number().min(0).max(86_400_000).optional(),
  operation: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const traceParams = entityParams.extend({
  traceId: z.string().regex(/^[0-9a-fA-F]{1,32}$/, 'invalid trace id'),
});

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      result.error.issues
        .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; '),
    );
  }
  return result.data;
}

function resolveWindow(q: { from?: string; to?: string }) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3_600_000);
  if (from.getTime() >= to.getTime())
    throw new InputError('from must be before to');
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS) {
    throw new InputError('The window may be at most 31 days');
  }
  return { from, to };
}

/** About 60 points over a span, at least 15 s apart. */
function seriesStep(spanMs: number) {
  return Math.max(15, Math.ceil(spanMs / 60_000));
}

/**
 * "ok", or, when the source answered from stored data while collecting
 * failed (a direct scrape of a service that is down), that failure: the data
 * shown stops where the failure began.
 */
function storedDataState(
  source: MetricsSource,
  t: ResolvedTarget,
): SourceState {
  const problem = source.problem?.(t);
  return problem
    ? sourceStateOf(source.id, problem)
    : { source: source.id, status: 'ok' };
}

/**
 * The service-health HTTP API (see `ServiceHealthApi` in the common package).
 * Every entity route needs a user credential, the catalog read permission on
 * the entity, and the entity visible to that user in the catalog.
 *
 * @public
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    catalog,
    logger,
    http,
    environments,
    poller,
    healthStore,
    metricsSources,
    traceSources,
    defaultTraceSourceId,
  } = options;
  const router = Router();

  if (options.otlpRouter) {
    router.use('/otlp', options.otlpRouter);
  }

  async function authorizedEntity(req: express.Request) {
    const credentials: BackstageCredentials = await httpAuth.credentials(req, {
      allow: ['user'],
    });
    const params = parse(entityParams, req.params);
    const entityRef = stringifyEntityRef({
      kind: params.kind,
      namespace: params.namespace,
      name: params.name,
    });
    const [decision] = await permissions.authorize(
      [{ permission: catalogEntityReadPermission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Not allowed to read ${entityRef}`);
    }
    // Read with the user's own credentials too: the catalog applies its
    // permission rules (conditional decisions included) to this read.
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${entityRef}`);
    return { entity, entityRef, credentials };
  }

  /** The permitted entity and its target in `environment` (default: the first). */
  async function entityTarget(
    req: express.Request,
    environment?: string,
  ): Promise<{ entity: Entity; target: ResolvedTarget }> {
    const { entity, entityRef } = await authorizedEntity(req);
    const targets = resolveTargets(entity, environments, http);
    if (targets.length === 0) {
      throw new NotFoundError(
        `${entityRef} has no service-health base URL annotation`,
      );
    }
    if (!environment) return { entity, target: targets[0] };
    const found = targets.find(t => t.environment === environment);
    if (!found) {
      throw new NotFoundError(
        `${entityRef} has no environment "${environment}"`,
      );
    }
    return { entity, target: found };
  }

  async function target(
    req: express.Request,
    environment?: string,
  ): Promise<ResolvedTarget> {
    return (await entityTarget(req, environment)).target;
  }

  const base = '/entities/:kind/:namespace/:name';
  if (options.slos) {
    addSloRoutes(router, {
      base,
      entityTarget,
      slos: options.slos,
    });
  }

  router.get(`${base}/environments`, async (req, res) => {
    const { entity } = await authorizedEntity(req);
    const body: ServiceEnvironment[] = resolveTargets(
      entity,
      environments,
      http,
    ).map(t => ({
      name: t.environment,
      title: environments.find(e => e.name === t.environment)?.title,
      baseUrl: t.baseUrl,
      metricsSource: t.metricsSource,
      tracesSource: t.tracesSource ?? defaultTraceSourceId ?? '',
    }));
    res.json(body);
  });

  async function healthResponse(t: ResolvedTarget, refresh: boolean) {
    if (t.refused) {
      return {
        source: {
          source: HEALTH_SOURCE,
          status: 'error',
          message: `Refused: ${t.refused}`,
        },
      } satisfies SourcedResponse<never>;
    }
    let snapshot = refresh
      ? undefined
      : await healthStore.latest(t.entityRef, t.environment);
    if (!snapshot) snapshot = await poller.refresh(t);
    const lifecycle = await healthStore.lifecycle(t.entityRef, t.environment);
    return {
      data: { ...snapshot, lifecycle },
      source: { source: HEALTH_SOURCE, status: 'ok' },
    } as const;
  }

  router.get(`${base}/health`, async (req, res) => {
    const q = parse(z.object({ environment: environmentParam }), req.query);
    res.json(await healthResponse(await target(req, q.environment), false));
  });

  router.post(`${base}/health/refresh`, async (req, res) => {
    const q = parse(z.object({ environment: environmentParam }), req.query);
    res.json(await healthResponse(await target(req, q.environment), true));
  });

  router.get(`${base}/health/history`, async (req, res) => {
    const q = parse(windowQuery, req.query);
    const { from, to } = resolveWindow(q);
    const t = await target(req, q.environment);
    const points = await healthStore.history(
      t.entityRef,
      t.environment,
      from,
      to,
    );
    // Before its first passing probe the service had not started yet: that
    // time is not downtime, so the ratio counts from the first pass on. A
    // bucket of older probes counts as its probes, a probe as one; the bucket
    // holding the first pass counts whole (its probes are not told apart).
    const { firstUpAt } = await healthStore.lifecycle(
      t.entityRef,
      t.environment,
    );
    const countedFrom = firstUpAt
      ? new Date(Math.max(from.getTime(), Date.parse(firstUpAt)))
      : undefined;
    const counted = countedFrom
      ? points.filter(
          p => Date.parse(p.until ?? p.checkedAt) >= countedFrom.getTime(),
        )
      : [];
    const probes = counted.reduce((n, p) => n + (p.probes ?? 1), 0);
    const up = counted.reduce(
      (n, p) =>
        n +
        (p.upProbes ?? (p.status === 'pass' || p.status === 'warn' ? 1 : 0)),
      0,
    );
    const data: HealthHistory = {
      entityRef: t.entityRef,
      environment: t.environment,
      from: from.toISOString(),
      to: to.toISOString(),
      uptimeRatio: probes ? up / probes : undefined,
      firstUpAt,
      countedFrom: countedFrom?.toISOString(),
      countedProbes: probes,
      points,
    };
    const source: SourceState = t.refused
      ? {
          source: HEALTH_SOURCE,
          status: 'error',
          message: `Refused: ${t.refused}`,
        }
      : { source: HEALTH_SOURCE, status: points.length ? 'ok' : 'no-data' };
    res.json({ data, source } satisfies SourcedResponse<HealthHistory>);
  });

  // Deploy markers: the releases the service reported in the window.
  router.get(`${base}/releases`, async (req, res) => {
    const q = parse(windowQuery, req.query);
    const { from, to } = resolveWindow(q);
    const t = await target(req, q.environment);
    const data = await healthStore.releases(
      t.entityRef,
      t.environment,
      from,
      to,
    );
    res.json({
      data,
      source: { source: HEALTH_SOURCE, status: data.length ? 'ok' : 'no-data' },
    } satisfies SourcedResponse<Release[]>);
  });

  function metricsSourceFor(t: ResolvedTarget) {
    const source = metricsSources.get(t.metricsSource);
    if (!source) {
      return {
        state: {
          source: t.metricsSource,
          status: 'error',
          message: `No metrics source "${t.metricsSource}" is configured`,
        } as SourceState,
      };
    }
    return { source };
  }

  router.get(`${base}/metrics/summary`, async (req, res) => {
    const q = parse(windowQuery, req.query);
    const window = resolveWindow(q);
    const t = await target(req, q.environment);
    const { source, state } = metricsSourceFor(t);
    if (!source) {
      res.json({ source: state });
      return;
    }
    try {
      const figures = await source.getSummary(t, window);
      if (!figures) {
        res.json({
          source: {
            source: source.id,
            status: 'no-data',
            message: 'No samples in this window yet',
          },
        } satisfies SourcedResponse<MetricsSummary>);
        return;
      }
      const data: MetricsSummary = {
        entityRef: t.entityRef,
        environment: t.environment,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        ...figures,
      };
      res.json({ data, source: storedDataState(source, t) });
    } catch (e) {
      logger.debug(`metrics summary of ${t.entityRef} failed: ${e}`);
      res.json({ source: sourceStateOf(source.id, e) });
    }
  });

  router.get(`${base}/metrics/series`, async (req, res) => {
    const q = parse(seriesQuery, req.query);
    const window = resolveWindow(q);
    const spanSeconds = (window.to.getTime() - window.from.getTime()) / 1000;
    const requestedStep = q.step ?? Math.max(15, Math.ceil(spanSeconds / 120));
    if (spanSeconds / requestedStep > MAX_POINTS) {
      throw new InputError(`step too small: at most ${MAX_POINTS} points`);
    }
    const t = await target(req, q.environment);
    const { source, state } = metricsSourceFor(t);
    if (!source) {
      res.json({ source: state });
      return;
    }
    try {
      // A source holding data for part of the window only (a service watched
      // for ten minutes, on the 7-day range) draws that part, with a step that
      // gives it a real series instead of one point.
      const since = await source.dataSince?.(t);
      const dataSince =
        since && since.getTime() > window.from.getTime() ? since : undefined;
      const to = window.to.getTime();
      const stepSeconds = dataSince
        ? Math.min(requestedStep, seriesStep(to - dataSince.getTime()))
        : requestedStep;
      // Whole steps ending at `to`, the first one holding the oldest sample.
      const stepMs = stepSeconds * 1000;
      const from = dataSince
        ? new Date(
            Math.max(
              window.from.getTime(),
              to - Math.ceil((to - dataSince.getTime()) / stepMs) * stepMs,
            ),
          )
        : window.from;
      const points = await source.getSeries(t, {
        from,
        to: window.to,
        stepSeconds,
      });
      if (!points) {
        res.json({ source: { source: source.id, status: 'no-data' } });
        return;
      }
      const data: MetricsSeries = {
        entityRef: t.entityRef,
        environment: t.environment,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        stepSeconds,
        dataSince: dataSince?.toISOString(),
        points,
      };
      res.json({ data, source: storedDataState(source, t) });
    } catch (e) {
      res.json({ source: sourceStateOf(source.id, e) });
    }
  });

  function traceSourceFor(t: ResolvedTarget) {
    const configured = t.tracesSource ?? defaultTraceSourceId;
    const source = configured ? traceSources.get(configured) : undefined;
    const id = configured ?? 'none';
    if (!source) {
      return {
        id,
        state: {
          source: id,
          status: 'error',
          message: `No trace source "${id}"`,
        } as SourceState,
      };
    }
    return { id, source };
  }

  /** The service a trace source is asked about. */
  function traceTarget(t: ResolvedTarget) {
    return {
      entityRef: t.entityRef,
      environment: t.environment,
      serviceName: t.serviceName,
    };
  }

  router.get(`${base}/traces`, async (req, res) => {
    const q = parse(tracesQuery, req.query);
    const window = resolveWindow(q);
    const t = await target(req, q.environment);
    const { id, source, state } = traceSourceFor(t);
    if (!source) {
      res.json({ source: state });
      return;
    }
    try {
      const data = await source.listTraces(traceTarget(t), {
        ...window,
        limit: q.limit ?? 50,
        errorsOnly: q.errorsOnly,
        minDurationMs: q.minDurationMs,
        operation: q.operation,
      });
      res.json({
        data,
        source: { source: id, status: data.length ? 'ok' : 'no-data' },
      });
    } catch (e) {
      res.json({ source: sourceStateOf(id, e) });
    }
  });

  router.get(`${base}/traces/:traceId`, async (req, res) => {
    const q = parse(z.object({ environment: environmentParam }), req.query);
    const { traceId } = parse(traceParams, req.params);
    const t = await target(req, q.environment);
    const { id, source, state } = traceSourceFor(t);
    if (!source) {
      res.json({ source: state });
      return;
    }
    let trace;
    try {
      trace = await source.getTrace(traceTarget(t), traceId.toLowerCase());
    } catch (e) {
      res.json({ source: sourceStateOf(id, e) });
      return;
    }
    // Also for a source added by a module: a trace is only shown through an
    // entity whose service took part in it.
    if (!trace || !involvesService(trace, t.serviceName)) {
      throw new NotFoundError(
        `No trace ${traceId} of ${t.serviceName} in ${id}`,
      );
    }
    res.json({ data: trace, source: { source: id, status: 'ok' } });
  });

  return router;
}
