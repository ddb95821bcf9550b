import {
  coreServices,
  createBackendPlugin,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readServiceHealthConfig } from './config';
import { HealthStore, SampleStore } from './database/stores';
import { serviceHealthSourcesExtensionPoint } from './extensions';
import { PollShardStore, ShardCoordinator } from './health/ShardCoordinator';
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
 * Prefix of the scheduled poll tasks: one local task per shard on every
 * replica, `service-health:poll:shard-<i>` (see healthPollTaskId), which
 * runs the shard when it is this replica's and due. @public
 */
export const HEALTH_POLL_TASK_ID = 'service-health:poll';

/** Id of the poll task of shard `shard` (0-based). @public */
export function healthPollTaskId(shard: number): string {
  return `${HEALTH_POLL_TASK_ID}:shard-${shard}`;
}

/**
 * Id of the local task with which each replica heartbeats its membership of
 * the poll and renews the leases of the shards it is running.
 */
const HEALTH_POLL_MEMBERS_TASK_ID = 'service-health:poll-members';

const POLL_HEARTBEAT_MS = 1000;

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
          // A new entity is polled within two intervals.
          targetsMaxAgeMs: settings.health.intervalSeconds * 1000,
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
          const {
            intervalSeconds: interval,
            shards,
            replicaTimeoutSeconds,
          } = settings.health;
          // Each replica runs the shards assigned to it over the live replicas
          // (ShardCoordinator): even and deterministic, a lease per shard run
          // so that no shard runs twice in an interval, and a dead replica's
          // shards move within `replicaTimeoutSeconds`. The scheduler keeps the
          // timing: local tasks, as every replica takes part.
          const coordinator = new ShardCoordinator({
            store: new PollShardStore(knex),
            shards,
            intervalMs: interval * 1000,
            heartbeatMs: POLL_HEARTBEAT_MS,
            ttlMs: replicaTimeoutSeconds * 1000,
            logger,
          });
          await scheduler.scheduleTask({
            id: HEALTH_POLL_MEMBERS_TASK_ID,
            scope: 'local',
            frequency: { milliseconds: POLL_HEARTBEAT_MS },
            timeout: { seconds: 30 },
            // The scheduler keeps a local task's error to itself: log it.
            fn: async () => {
              await coordinator
                .heartbeat()
                .catch(e => logger.warn(`Poll heartbeat failed: ${e}`));
            },
          });
          for (let shard = 0; shard < shards; shard++) {
            await scheduler.scheduleTask({
              id: healthPollTaskId(shard),
              scope: 'local',
              // Looks every second whether the shard is this replica's and
              // due; the lease table decides.
              frequency: { seconds: 1 },
              timeout: { seconds: Math.max(interval * 4, 60) },
              initialDelay: { seconds: 5 },
              fn: async signal => {
                await coordinator
                  .runIfMine(
                    shard,
                    s => poller.runShard(shard, shards, s),
                    signal,
                  )
                  .catch(e => logger.warn(`Poll shard ${shard} failed: ${e}`));
              },
            });
          }
          // The others take this replica's shards at once instead of after
          // the member time-to-live.
          lifecycle.addShutdownHook(() =>
            coordinator
              .leave()
              .catch(e => logger.warn(`Leaving the poll failed: ${e}`)),
          );
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
