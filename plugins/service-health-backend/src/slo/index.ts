import type {
  LoggerService,
  RootConfigService,
  SchedulerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { ScmIntegrations } from '@backstage/integration';
import type { Knex } from 'knex';
import { DIRECT_SOURCE_ID } from '../config';
import type { ServicePoller } from '../health/ServicePoller';
import type { MetricsSource } from '../types';
import { SloAggregator } from './SloAggregator';
import { SloFileReader } from './SloFileReader';
import { SloService } from './SloService';
import { SampleStore } from '../database/stores';
import { SloStore } from './SloStore';
import { SLO_STATUS_STALE_MS } from './status';

export { addSloRoutes } from './routes';
export { SloService } from './SloService';

/** Id of the scheduled task writing the SLO aggregates. */
export const SLO_AGGREGATE_TASK_ID = 'service-health:slo-aggregate';

/**
 * The SLO part of the plugin: reads OpenSLO files, evaluates them, and (when
 * the health poll runs, since it feeds the direct scrapes) aggregates the
 * direct source's scrapes into 5-minute buckets every 5 minutes, then
 * evaluates and stores each target's SLOs for the roll-ups' batch read.
 */
export async function createSlos(options: {
  config: RootConfigService;
  database: Knex;
  urlReader: UrlReaderService;
  scheduler: SchedulerService;
  logger: LoggerService;
  poller: ServicePoller;
  metricsSources: Map<string, MetricsSource>;
  retentionDays: number;
  schedule: boolean;
}): Promise<SloService> {
  const store = new SloStore(options.database);
  const aggregator = new SloAggregator({
    store,
    samples: new SampleStore(options.database),
    retentionDays: options.retentionDays,
  });
  const files = new SloFileReader({
    urlReader: options.urlReader,
    integrations: ScmIntegrations.fromConfig(options.config),
    maxWindowSeconds: options.retentionDays * 86_400,
  });
  const service = new SloService({
    files,
    store,
    aggregator,
    metricsSources: options.metricsSources,
  });
  if (options.schedule) {
    await options.scheduler.scheduleTask({
      id: SLO_AGGREGATE_TASK_ID,
      scope: 'global',
      frequency: { minutes: 5 },
      timeout: { minutes: 10 },
      initialDelay: { seconds: 60 },
      fn: async signal => {
        const targets = await options.poller.listTargets();
        const started = Date.now();
        let written = 0;
        let evaluated = 0;
        for (const t of targets) {
          if (signal?.aborted) break;
          if (t.refused) continue;
          try {
            // only the direct source keeps scrapes to aggregate
            if (t.metricsSource === DIRECT_SOURCE_ID) {
              written += await aggregator.aggregate(t.entityRef, t.environment);
            }
            // then the evaluation the roll-ups read (direct buckets or PromQL)
            if (await service.evaluate(t)) evaluated++;
          } catch (e) {
            options.logger.warn(
              `SLO aggregation of ${t.entityRef} (${t.environment}) failed: ${e}`,
            );
          }
        }
        await aggregator.prune();
        // evaluations of targets gone from the catalog
        await store.pruneStatuses(started - SLO_STATUS_STALE_MS);
        options.logger.debug(
          `Wrote ${written} SLO buckets, evaluated the SLOs of ${evaluated} targets in ${
            Date.now() - started
          } ms`,
        );
      },
    });
  }
  return service;
}
