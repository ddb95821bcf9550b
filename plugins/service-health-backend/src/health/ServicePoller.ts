import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import type { HealthSnapshot } from '@fastify-backstage/plugin-service-health-common';
import { baseUrlAnnotation } from '@fastify-backstage/plugin-service-health-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EnvironmentConfig } from '../config';
import type { HealthStore, ProbeRetention } from '../database/stores';
import { OutboundHttp } from '../outbound/OutboundHttp';
import { resolveTargets } from '../targets';
import type { MetricsSource, ResolvedTarget } from '../types';
import { probeTarget } from './probe';

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function mapWithConcurrency<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from(
    { length: Math.max(1, Math.min(limit, items.length)) },
    async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    },
  );
  await Promise.all(workers);
  return results;
}

/**
 * Which of `shards` poll shards owns a target: the FNV-1a hash of its entity
 * ref and environment, cut into `shards` equal ranges. Stable across
 * replicas and restarts, so a target always belongs to the same shard task.
 */
export function shardOf(
  target: { entityRef: string; environment: string },
  shards: number,
): number {
  const key = `${target.entityRef}\u0000${target.environment}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return Math.floor(((hash >>> 0) * shards) / 2 ** 32);
}

/** At most `limit` calls of `run` in flight; the rest wait their turn. */
class Limiter {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>(resolve => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

export interface PollCycleResult {
  targets: number;
  probed: number;
  refused: number;
  down: number;
  metricsPolled: number;
  metricsFailed: number;
  durationMs: number;
}

/**
 * The poll of every service the catalog annotates (the scheduled task): each
 * cycle probes `/health` and `/ready` with bounded concurrency and a
 * per-request timeout (in OutboundHttp), stores the snapshots, lets metric
 * sources that collect (the direct scrape) collect, and keeps the stored
 * history bounded. Also the on-demand probe of one target (`refresh`).
 */
export class ServicePoller {
  readonly #refreshing = new Map<string, Promise<HealthSnapshot>>();
  // One bound for the whole instance: shard tasks running at the same time
  // on one replica share it instead of multiplying it.
  readonly #limiter: Limiter;
  // The catalog's targets, shared by the shard runs of one replica: every
  // shard run filters the same list, so it is read once per interval rather
  // than once per shard (at 10,000 services one read is seconds of work).
  #targets: { at: number; list: Promise<ResolvedTarget[]> } | undefined;

  constructor(
    private readonly options: {
      http: OutboundHttp;
      store: HealthStore;
      environments: EnvironmentConfig[];
      concurrency: number;
      /** How the probe history is kept bounded (HealthStore.compact). */
      retention: ProbeRetention;
      minRefreshIntervalSeconds: number;
      metricsSources: Map<string, MetricsSource>;
      logger: LoggerService;
      catalog?: CatalogService;
      auth?: AuthService;
      /** How long shard runs reuse one read of the catalog. Default 0 (each reads). */
      targetsMaxAgeMs?: number;
    },
  ) {
    this.#limiter = new Limiter(options.concurrency);
  }

  async listTargets(): Promise<ResolvedTarget[]> {
    const { catalog, auth, environments, http } = this.options;
    if (!catalog || !auth) return [];
    const credentials = await auth.getOwnServiceCredentials();
    const filter = environments.map(env => ({
      [`metadata.annotations.${baseUrlAnnotation(env.name)}`]:
        CATALOG_FILTER_EXISTS,
    }));
    const targets: ResolvedTarget[] = [];
    for await (const page of catalog.streamEntities(
      {
        filter,
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      },
      { credentials },
    )) {
      for (const entity of page) {
        targets.push(...resolveTargets(entity, environments, http));
      }
    }
    return targets;
  }

  #sharedTargets(): Promise<ResolvedTarget[]> {
    const now = Date.now();
    const maxAge = this.options.targetsMaxAgeMs ?? 0;
    if (!this.#targets || now - this.#targets.at >= maxAge) {
      const list = this.listTargets();
      this.#targets = { at: now, list };
      // A failed read is not reused.
      list.catch(() => {
        if (this.#targets?.list === list) this.#targets = undefined;
      });
    }
    return this.#targets.list;
  }

  /** One poll of the given targets. */
  async pollTargets(
    targets: ResolvedTarget[],
    signal?: AbortSignal,
  ): Promise<PollCycleResult> {
    const started = performance.now();
    const allowed = targets.filter(t => !t.refused);
    let metricsPolled = 0;
    let metricsFailed = 0;
    const snapshots = await mapWithConcurrency(
      allowed,
      this.options.concurrency,
      target =>
        this.#limiter.run(async () => {
          if (signal?.aborted) return undefined;
          const source = this.options.metricsSources.get(target.metricsSource);
          const [snapshot] = await Promise.all([
            probeTarget(this.options.http, target, signal),
            source?.poll
              ? source.poll(target, signal).then(
                  () => {
                    metricsPolled++;
                  },
                  () => {
                    metricsFailed++;
                  },
                )
              : undefined,
          ]);
          return snapshot;
        }),
    );
    const stored = snapshots.filter((s): s is HealthSnapshot => !!s);
    await this.options.store.insertMany(stored);
    return {
      targets: targets.length,
      probed: stored.length,
      refused: targets.length - allowed.length,
      down: stored.filter(s => s.status === 'down').length,
      metricsPolled,
      metricsFailed,
      durationMs: Math.round(performance.now() - started),
    };
  }

  async prune() {
    await this.options.store.compact(this.options.retention);
    for (const source of this.options.metricsSources.values()) {
      await source
        .prune?.()
        .catch(e =>
          this.options.logger.warn(
            `Pruning metrics source ${source.id} failed: ${e}`,
          ),
        );
    }
  }

  /**
   * One shard's scheduled task: polls the targets in the shard's hash range
   * (see shardOf). Pruning is a task of its own (prune), run once per
   * interval by one instance.
   */
  async runShard(
    shard: number,
    shards: number,
    signal?: AbortSignal,
  ): Promise<PollCycleResult> {
    const listing = performance.now();
    const all = await this.#sharedTargets();
    const mine = all.filter(t => shardOf(t, shards) === shard);
    const listMs = Math.round(performance.now() - listing);
    const result = await this.pollTargets(mine, signal);
    this.options.logger.info(
      `Polled ${result.probed} service targets of shard ${
        shard + 1
      }/${shards} in ${result.durationMs} ms (${result.down} down, ${
        result.refused
      } refused)`,
      {
        shard,
        shards,
        probed: result.probed,
        durationMs: result.durationMs,
        // reading the catalog, before the poll
        listMs,
      },
    );
    return result;
  }

  /**
   * Probes one target now. Concurrent refreshes of the same target share one
   * probe, and a probe younger than minRefreshIntervalSeconds is returned as is.
   */
  async refresh(target: ResolvedTarget): Promise<HealthSnapshot> {
    const key = `${target.entityRef}\u0000${target.environment}`;
    const running = this.#refreshing.get(key);
    if (running) return running;
    const p = (async () => {
      const latest = await this.options.store.latest(
        target.entityRef,
        target.environment,
      );
      if (
        latest &&
        Date.now() - Date.parse(latest.checkedAt) <
          this.options.minRefreshIntervalSeconds * 1000
      ) {
        return latest;
      }
      const snapshot = await probeTarget(this.options.http, target);
      await this.options.store.insert(snapshot);
      return snapshot;
    })().finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, p);
    return p;
  }
}
