import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readServiceHealthConfig } from './config';
import { HealthStore, SampleStore } from './database/stores';
import { serviceHealthSourcesExtensionPoint } from './extensions';
import { ServicePoller } from './health/ServicePoller';
import { DirectMetricsSource } from './metrics/DirectMetricsSource';
import { PrometheusMetricsSource } from './metrics/PrometheusMetricsSource';
import { HostAllowList, OutboundHttp } from './outbound/OutboundHttp';
import { createRouter } from './router';
import { createStatusRouter } from './status/router';
import { StatusStore } from './status/StatusStore';
import { createSlos } from './slo';
import { createTraceSources } from './traces';
import type { TraceSource } from './traces/types';
import type { MetricsSource } from './types';

/**
 * Prefix of the scheduled poll tasks: one per shard,
 * `service-health:poll:shard-<i>` (see healthPollTaskId). @public
 */
export const HEALTH_POLL_TASK_ID = 'service-health:poll';

/** Id of the poll task of shard `shard` (0-based). @public */
export function healthPollTaskId(shard: number): string {
  return `${HEALTH_POLL_TASK_ID}:shard-${shard}`;
}

/** Id of the scheduled task keeping the probe and sample history bounded. @public */
export const HEALTH_PRUNE_TASK_ID = 'service-health:prune-history';

/** Id of the scheduled task pruning the embedded trace store. @public */
export const TRACE_PRUNE_TASK_ID = 'service-health:prune-spans';

/**
 * Gathers each catalog service's health, metrics and traces.
 *
 * @public
 */
export const serviceHealthPlugin = createBackendPlugin({
  pluginId: 'service-health',
  register(env) {
    const extraMetrics: MetricsSource[] = [];
    const extraTraces: TraceSource[] = [];
    env.registerExtensionPoint(serviceHealthSourcesExtensionPoint, {
      addMetricsSource(source) {
        extraMetrics.push(source);
      },
      addTraceSource(source) {
        extraTraces.push(source);
      },
    });

    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        discovery: coreServices.discovery,
        permissions: coreServices.permissions,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        urlReader: coreServices.urlReader,
      },
      async init({
        httpRouter,
        httpAuth,
        auth,
        logger,
        config,
        database,
        scheduler,
        permissions,
        lifecycle,
        catalog,
        urlReader,
      }) {
        const settings = readServiceHealthConfig(config);
        const knex = await database.getClient();
        if (!database.migrations?.skip) {
          await knex.migrate.latest({
            directory: resolvePackagePath(
              '@fastify-backstage/plugin-service-health-backend',
              'migrations',
            ),
            disableMigrationsListValidation: true,
          });
        }

        const http = new OutboundHttp(
          new HostAllowList(settings.allowedHosts),
          settings.http,
        );

        const metricsSources = new Map<string, MetricsSource>();
        const addMetrics = (source: MetricsSource) => {
          if (metricsSources.has(source.id)) {
            throw new Error(
              `Duplicate service-health metrics source id "${source.id}"`,
            );
          }
          metricsSources.set(source.id, source);
        };
        addMetrics(
          new DirectMetricsSource({
            http,
            store: new SampleStore(knex),
            ...settings.direct,
          }),
        );
        for (const p of settings.prometheus) {
          addMetrics(
            new PrometheusMetricsSource(p, settings.http.maxResponseBytes),
          );
        }
        extraMetrics.forEach(addMetrics);

        const traces = createTraceSources({
          settings,
          database: knex,
          logger,
        });
        const traceSources = new Map(traces.sources);
        for (const source of extraTraces) {
          if (traceSources.has(source.id)) {
            throw new Error(
              `Duplicate service-health trace source id "${source.id}"`,
            );
          }
          traceSources.set(source.id, source);
        }

        for (const environment of settings.environments) {
          if (!metricsSources.has(environment.metricsSource)) {
            logger.warn(
              `serviceHealth environment ${environment.name} uses unknown metrics source "${environment.metricsSource}"`,
            );
          }
          if (
            environment.tracesSource &&
            !traceSources.has(environment.tracesSource)
          ) {
            logger.warn(
              `serviceHealth environment ${environment.name} uses unknown traces source "${environment.tracesSource}"`,
            );
          }
        }
        if (settings.allowedHosts.length === 0) {
          logger.warn(
            'serviceHealth.allowedHosts is empty: no service will be polled',
          );
        }

        const healthStore = new HealthStore(knex);
        const poller = new ServicePoller({
          http,
          store: healthStore,
          environments: settings.environments,
          concurrency: settings.health.concurrency,
          retention: {
            retentionDays: settings.health.retentionDays,
            rawHours: settings.health.rawHours,
            rollupMinutes: settings.health.rollupMinutes,
          },
          minRefreshIntervalSeconds: settings.health.minRefreshIntervalSeconds,
          metricsSources,
          logger,
          catalog,
          auth,
        });

        const slos = await createSlos({
          config,
          database: knex,
          urlReader,
          scheduler,
          logger,
          poller,
          metricsSources,
          retentionDays: settings.slo.retentionDays,
          schedule: settings.health.enabled,
        });

        if (settings.health.enabled) {
          const { intervalSeconds: interval, shards } = settings.health;
          // Global tasks: each interval, one instance of a multi-instance
          // backend runs each shard, so N replicas share the poll and none
          // polls a target twice; a dead instance's shards move to the others
          // once their run times out.
          for (let shard = 0; shard < shards; shard++) {
            await scheduler.scheduleTask({
              id: healthPollTaskId(shard),
              scope: 'global',
              frequency: { seconds: interval },
              timeout: { seconds: Math.max(interval * 4, 60) },
              // Shard i first falls due i/shards of an interval after shard 0, and
              // stays on that grid: the load spreads over the interval, and since
              // each instance looks for due tasks on its own clock (every few
              // seconds), shards due at different moments go to different
              // instances instead of all to the one that looks first.
              initialDelay: { seconds: 10 + (shard * interval) / shards },
              fn: async signal => {
                await poller.runShard(shard, shards, signal);
              },
            });
          }
          await scheduler.scheduleTask({
            id: HEALTH_PRUNE_TASK_ID,
            scope: 'global',
            frequency: { seconds: interval },
            timeout: { minutes: 5 },
            initialDelay: { seconds: 15 },
            fn: async () => {
              await poller.prune();
              logger.info('Pruned the probe and sample history');
            },
          });
        }

        // Spans are also pruned by age when nothing is written; a global task:
        // one instance of a multi-instance backend prunes the shared table.
        await scheduler.scheduleTask({
          id: TRACE_PRUNE_TASK_ID,
          scope: 'global',
          frequency: {
            seconds: settings.traces.retention.pruneIntervalSeconds,
          },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 30 },
          fn: async () => {
            await traces.embedded.prune();
          },
        });

        httpRouter.addAuthPolicy({ path: '/otlp', allow: 'unauthenticated' });
        httpRouter.use(
          await createRouter({
            httpAuth,
            permissions,
            catalog,
            logger,
            http,
            environments: settings.environments,
            poller,
            healthStore,
            metricsSources,
            traceSources,
            defaultTraceSourceId: traces.defaultSourceId,
            otlpRouter: traces.otlpRouter,
            slos,
          }),
        );

        httpRouter.use(
          createStatusRouter({
            httpAuth,
            catalog,
            store: new StatusStore(knex),
            environments: settings.environments,
            http,
            slos,
          }),
        );

        lifecycle.addShutdownHook(async () => {
          http.close();
        });
      },
    });
  },
});
