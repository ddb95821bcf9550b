import { parseEntityRef, type Entity } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type {
  EntitySlos,
  SloDefinition,
  SloHistory,
  SloReport,
  SourceState,
  SourcedResponse,
} from '@fastify-backstage/plugin-service-health-common';
import {
  OPENSLO_ANNOTATION,
  SERVICE_HEALTH_ANNOTATIONS,
} from '@fastify-backstage/plugin-service-health-common';
import { DIRECT_SOURCE_ID } from '../config';
import { SourceError, sourceStateOf } from '../errors';
import { parseLabelMatchers, type LabelMatcher } from '../metrics/promql';
import type { MetricsSource, ResolvedTarget } from '../types';
import { reportFromBuckets, SloDataError } from './evaluate';
import {
  historyFromBuckets,
  historyFromPrometheus,
  historyTimes,
  RangeQuerier,
} from './history';
import { InstantQuerier, reportFromPrometheus } from './PrometheusSlos';
import { sloRulesYaml } from './promql';
import { SloAggregator } from './SloAggregator';
import type { SloFileReader } from './SloFileReader';
import type { SloStore } from './SloStore';

/** A metrics source that can answer SLO queries (the Prometheus source). */
type PrometheusLike = MetricsSource &
  InstantQuerier &
  RangeQuerier & { matchers(target: ResolvedTarget): LabelMatcher[] };

function isPrometheusLike(s: MetricsSource | undefined): s is PrometheusLike {
  return (
    !!s &&
    typeof (s as Partial<PrometheusLike>).instantQuery === 'function' &&
    typeof (s as Partial<PrometheusLike>).rangeQuery === 'function' &&
    typeof (s as Partial<PrometheusLike>).matchers === 'function'
  );
}

/** One SLO the data cannot answer: the others are still reported. */
function failedReport(slo: SloDefinition, e: unknown): SloReport {
  if (!(e instanceof SloDataError)) throw e;
  return {
    ...slo,
    status: 'error',
    error: e.message,
    burnRates: {},
    alerts: { page: false, ticket: false },
  };
}

/**
 * The SLOs of an entity's OpenSLO file, evaluated on the environment's
 * metrics source: 5-minute aggregates of the direct scrapes, or PromQL on
 * Prometheus.
 */
export class SloService {
  constructor(
    private readonly options: {
      files: SloFileReader;
      store: SloStore;
      aggregator: SloAggregator;
      metricsSources: Map<string, MetricsSource>;
    },
  ) {}

  /**
   * The entity's SLO report, also stored as the target's latest evaluation
   * (what the batch read of the roll-ups answers from).
   */
  async report(
    entity: Entity,
    target: ResolvedTarget,
    now = Date.now(),
  ): Promise<SourcedResponse<EntitySlos>> {
    const response = await this.#report(entity, target, now);
    await this.options.store.saveStatus(
      target.entityRef,
      target.environment,
      now,
      response,
    );
    return response;
  }

  /**
   * Evaluates and stores the SLOs of a target of the poll's list (whose
   * annotations carry the OpenSLO path and source location), off the
   * request path: the scheduled aggregation calls it after writing the
   * buckets. A file that cannot be read or parsed is stored as an error, so
   * the roll-up says why it has no figures. Does nothing for a target
   * without the OpenSLO annotation.
   */
  async evaluate(target: ResolvedTarget, now = Date.now()): Promise<boolean> {
    if (!target.annotations?.[OPENSLO_ANNOTATION]) return false;
    const { kind, namespace, name } = parseEntityRef(target.entityRef);
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: { name, namespace, annotations: target.annotations },
    };
    let response: SourcedResponse<EntitySlos>;
    try {
      response = await this.#report(entity, target, now);
    } catch (e) {
      if (!(e instanceof NotFoundError || e instanceof InputError)) throw e;
      response = {
        source: {
          source: target.metricsSource,
          status: 'error',
          message: e.message,
        },
      };
    }
    await this.options.store.saveStatus(
      target.entityRef,
      target.environment,
      now,
      response,
    );
    return true;
  }

  /** The stored evaluations of many targets of one environment (one query per 500). */
  storedStatuses(entityRefs: string[], environment: string) {
    return this.options.store.statuses(entityRefs, environment);
  }

  async #report(
    entity: Entity,
    target: ResolvedTarget,
    now: number,
  ): Promise<SourcedResponse<EntitySlos>> {
    const { file, slos } = await this.options.files.read(entity);
    const sourceId = target.metricsSource;
    const source = this.options.metricsSources.get(sourceId);
    const state = (s: SourceState['status'], message?: string) => ({
      source: sourceId,
      status: s,
      ...(message ? { message } : {}),
    });
    if (target.refused) {
      return { source: state('error', `Refused: ${target.refused}`) };
    }
    try {
      if (isPrometheusLike(source)) {
        const at = new Date(now);
        const matchers = source.matchers(target);
        const reports = await Promise.all(
          slos.map(slo =>
            reportFromPrometheus(slo, matchers, source, at).catch(e =>
              failedReport(slo, e),
            ),
          ),
        );
        return {
          data: this.#data(target, file, at.getTime(), reports),
          source: state('ok'),
        };
      }
      if (sourceId !== DIRECT_SOURCE_ID) {
        return {
          source: state(
            'error',
            `SLOs are computed from the direct scrape or Prometheus; metrics source "${sourceId}" is neither`,
          ),
        };
      }
      await this.options.aggregator.aggregate(
        target.entityRef,
        target.environment,
        now,
      );
      const asOf = SloAggregator.closedUntil(now);
      const longest = Math.max(...slos.map(s => s.windowSeconds)) * 1000;
      const buckets = await this.options.store.buckets(
        target.entityRef,
        target.environment,
        asOf - longest,
        asOf,
      );
      const reports = slos.map(slo => {
        try {
          return reportFromBuckets(slo, buckets, asOf);
        } catch (e) {
          return failedReport(slo, e);
        }
      });
      return {
        data: this.#data(target, file, asOf, reports),
        source: state(buckets.length ? 'ok' : 'no-data'),
      };
    } catch (e) {
      // the source's own failures (unreachable, invalid answer) are its state; others are bugs
      if (e instanceof SourceError || isPrometheusLike(source)) {
        return { source: sourceStateOf(sourceId, e) };
      }
      throw e;
    }
  }

  /** Each SLO's SLI and budget left at every step of the range. */
  async history(
    entity: Entity,
    target: ResolvedTarget,
    range: { from: Date; to: Date; stepSeconds: number },
    now = Date.now(),
  ): Promise<SourcedResponse<SloHistory>> {
    const { slos } = await this.options.files.read(entity);
    const sourceId = target.metricsSource;
    const source = this.options.metricsSources.get(sourceId);
    const state = (s: SourceState['status'], message?: string) => ({
      source: sourceId,
      status: s,
      ...(message ? { message } : {}),
    });
    if (target.refused) {
      return { source: state('error', `Refused: ${target.refused}`) };
    }
    const data = (items: SloHistory['slos']): SloHistory => ({
      entityRef: target.entityRef,
      environment: target.environment,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      stepSeconds: range.stepSeconds,
      slos: items,
    });
    const item = (slo: SloDefinition) => ({
      name: slo.name,
      target: slo.target,
      window: slo.window,
    });
    const failed = (slo: SloDefinition, e: unknown) => {
      if (!(e instanceof SloDataError)) throw e;
      return { ...item(slo), points: [], error: e.message };
    };
    try {
      if (isPrometheusLike(source)) {
        const matchers = source.matchers(target);
        const items = await Promise.all(
          slos.map(slo =>
            historyFromPrometheus(slo, matchers, source, range).then(
              points => ({ ...item(slo), points }),
              e => failed(slo, e),
            ),
          ),
        );
        return { data: data(items), source: state('ok') };
      }
      if (sourceId !== DIRECT_SOURCE_ID) {
        return {
          source: state(
            'error',
            `SLOs are computed from the direct scrape or Prometheus; metrics source "${sourceId}" is neither`,
          ),
        };
      }
      await this.options.aggregator.aggregate(
        target.entityRef,
        target.environment,
        now,
      );
      const times = historyTimes(
        range.from.getTime(),
        range.to.getTime(),
        range.stepSeconds,
        SloAggregator.closedUntil(now),
      );
      if (times.length === 0) {
        return {
          data: data(slos.map(s => ({ ...item(s), points: [] }))),
          source: state('no-data'),
        };
      }
      const longest = Math.max(...slos.map(s => s.windowSeconds)) * 1000;
      const buckets = await this.options.store.buckets(
        target.entityRef,
        target.environment,
        times[0] - longest,
        times[times.length - 1],
      );
      const items = slos.map(slo => {
        try {
          return {
            ...item(slo),
            points: historyFromBuckets(slo, buckets, times),
          };
        } catch (e) {
          return failed(slo, e);
        }
      });
      return {
        data: data(items),
        source: state(buckets.length ? 'ok' : 'no-data'),
      };
    } catch (e) {
      // the source's own failures (unreachable, invalid answer) are its state; others are bugs
      if (e instanceof SourceError || isPrometheusLike(source)) {
        return { source: sourceStateOf(sourceId, e) };
      }
      throw e;
    }
  }

  #data(
    target: ResolvedTarget,
    file: string,
    asOf: number,
    slos: EntitySlos['slos'],
  ): EntitySlos {
    return {
      entityRef: target.entityRef,
      environment: target.environment,
      file,
      asOf: new Date(asOf).toISOString(),
      slos,
    };
  }

  /**
   * Prometheus recording and alerting rules for the entity's SLOs. The series
   * are selected by the Prometheus source's selector for the target, or the
   * entity's prometheus-selector annotation, or `job="<service name>"`.
   */
  async rules(entity: Entity, target: ResolvedTarget): Promise<string> {
    const { slos } = await this.options.files.read(entity);
    const source = this.options.metricsSources.get(target.metricsSource);
    let matchers: LabelMatcher[];
    if (isPrometheusLike(source)) {
      matchers = source.matchers(target);
    } else {
      const selector =
        target.annotations?.[SERVICE_HEALTH_ANNOTATIONS.prometheusSelector];
      try {
        matchers =
          selector === undefined
            ? [{ name: 'job', op: '=', value: target.serviceName }]
            : parseLabelMatchers(selector);
      } catch (e) {
        throw new SloDataError(
          `Invalid prometheus selector annotation: ${(e as Error).message}`,
        );
      }
    }
    return sloRulesYaml(entity.metadata.name, slos, matchers);
  }
}
