import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  DEFAULT_ENVIRONMENT,
  Span,
  Trace,
  TraceSummary,
} from '@fastify-backstage/plugin-service-health-common';
import type { Knex } from 'knex';
import { environmentOf } from './otlp';
import { groupTraces, listLimit, newestFirst, traceIdForLookup } from './model';
import {
  ServiceTarget,
  TraceListQuery,
  TraceSource,
  TraceSourceUnavailableError,
} from './types';

export const SPANS_TABLE = 'service_health_trace_spans';

/** Retention of the embedded store. */
export interface TraceRetention {
  /** At most this many spans are kept (the oldest received go first). */
  maxSpans: number;
  /** Spans received longer ago than this are deleted. */
  maxAgeHours: number;
}

export const DEFAULT_RETENTION: TraceRetention = {
  maxSpans: 100_000,
  maxAgeHours: 24,
};

type Row = {
  id: number | string;
  trace_id: string;
  data: string;
};

/**
 * The embedded trace store and source: spans from the OTLP receiver in the
 * plugin database, with bounded retention.
 */
export class EmbeddedTraceSource implements TraceSource {
  readonly id = 'embedded';
  readonly #knex: Knex;
  readonly #retention: TraceRetention;
  readonly #environments: string[];
  #pruning?: Promise<void>;

  constructor(options: {
    knex: Knex;
    /** Unused; kept so callers need not change. */
    logger?: LoggerService;
    retention?: Partial<TraceRetention>;
    /** Names of the configured environments (`serviceHealth.environments[].name`). */
    environments?: string[];
  }) {
    this.#knex = options.knex;
    this.#retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.#environments = options.environments ?? [];
  }

  /**
   * Which spans belong to an environment, by their resource's
   * `deployment.environment.name`: spans naming none are in every
   * environment; the `default` environment also takes spans naming an
   * environment that is not configured (e.g. `production` when the only
   * environment is `default`).
   */
  #environmentFilter(q: Knex.QueryBuilder, environment: string) {
    q.whereNull('s.environment').orWhere('s.environment', environment);
    if (environment === DEFAULT_ENVIRONMENT) {
      const others = this.#environments.filter(e => e !== environment);
      if (others.length) q.orWhereNotIn('s.environment', others);
      else q.orWhereNotNull('s.environment');
    }
  }

  get retention(): TraceRetention {
    return { ...this.#retention };
  }

  /**
   * Stores spans; a span already stored (same trace and span id, e.g. a
   * retried export) is ignored. Then enforces retention.
   */
  async store(spans: Span[], now = Date.now()): Promise<number> {
    if (spans.length === 0) return 0;
    const rows = spans.map(s => ({
      trace_id: s.traceId,
      span_id: s.spanId,
      parent_span_id: s.parentSpanId ?? null,
      service_name: s.serviceName,
      environment: environmentOf(s) ?? null,
      operation: s.operation,
      kind: s.kind,
      status: s.status,
      is_error: s.status === 'error',
      start_us: Math.round(s.startTime * 1000),
      duration_us: Math.round(s.durationMs * 1000),
      received_at: now,
      data: JSON.stringify(s),
    }));
    // Rows one insert at a time in chunks: SQLite limits bound variables.
    const chunkSize = 200;
    await this.#knex.transaction(async tx => {
      for (let i = 0; i < rows.length; i += chunkSize) {
        await tx(SPANS_TABLE)
          .insert(rows.slice(i, i + chunkSize))
          .onConflict(['trace_id', 'span_id'])
          .ignore();
      }
    });
    await this.prune(now);
    return rows.length;
  }

  /**
   * Deletes spans beyond the count bound and older than the age bound. Runs
   * after every write, and as the plugin's scheduled task (by age, also when
   * nothing is written).
   */
  async prune(now = Date.now()): Promise<void> {
    // One prune at a time per instance; several instances are harmless.
    if (this.#pruning) {
      await this.#pruning;
    }
    this.#pruning = (async () => {
      const cutoff = now - this.#retention.maxAgeHours * 3600_000;
      await this.#knex(SPANS_TABLE).where('received_at', '<', cutoff).delete();
      const boundary = await this.#knex(SPANS_TABLE)
        .select('id')
        .orderBy('id', 'desc')
        .offset(this.#retention.maxSpans)
        .limit(1)
        .first();
      if (boundary) {
        await this.#knex(SPANS_TABLE).where('id', '<=', boundary.id).delete();
      }
    })();
    try {
      await this.#pruning;
    } finally {
      this.#pruning = undefined;
    }
  }

  async countSpans(): Promise<number> {
    const r = await this.#knex(SPANS_TABLE).count({ n: '*' }).first();
    return Number(r?.n ?? 0);
  }

  async listTraces(
    target: ServiceTarget,
    query: TraceListQuery,
  ): Promise<TraceSummary[]> {
    const knex = this.#knex;
    const fromUs = query.from.getTime() * 1000;
    const toUs = query.to.getTime() * 1000;
    const limit = listLimit(query);
    try {
      const candidates = knex(`${SPANS_TABLE} as s`)
        .select('s.trace_id')
        .max({ latest: 's.start_us' })
        .where('s.service_name', target.serviceName)
        .andWhere('s.start_us', '>=', fromUs)
        .andWhere('s.start_us', '<=', toUs)
        .andWhere(q => this.#environmentFilter(q, target.environment))
        .groupBy('s.trace_id')
        .orderBy('latest', 'desc')
        .limit(limit);
      if (query.operation) {
        candidates.andWhere('s.operation', query.operation);
      }
      if (query.errorsOnly) {
        candidates.whereExists(
          knex(`${SPANS_TABLE} as e`)
            .select(knex.raw('1'))
            .whereRaw('e.trace_id = s.trace_id')
            .andWhere('e.is_error', true),
        );
      }
      if (query.minDurationMs !== undefined && query.minDurationMs > 0) {
        // The request's own duration: a root span (no parent, or a parent
        // this store never received) at least that long.
        candidates.whereExists(
          knex(`${SPANS_TABLE} as r`)
            .select(knex.raw('1'))
            .whereRaw('r.trace_id = s.trace_id')
            .andWhere(
              'r.duration_us',
              '>=',
              Math.round(query.minDurationMs * 1000),
            )
            .andWhere(q =>
              q
                .whereNull('r.parent_span_id')
                .orWhereNotExists(
                  knex(`${SPANS_TABLE} as p`)
                    .select(knex.raw('1'))
                    .whereRaw('p.trace_id = r.trace_id')
                    .andWhereRaw('p.span_id = r.parent_span_id'),
                ),
            ),
        );
      }
      const ids = ((await candidates) as Array<{ trace_id: string }>).map(
        r => r.trace_id,
      );
      if (ids.length === 0) return [];
      const rows: Row[] = await knex(SPANS_TABLE)
        .select('id', 'trace_id', 'data')
        .whereIn('trace_id', ids);
      const traces = groupTraces(rows.map(r => JSON.parse(r.data) as Span));
      return newestFirst(
        traces.map(t => t.summary),
        limit,
      );
    } catch (e) {
      throw new TraceSourceUnavailableError(
        this.id,
        `Could not read stored traces: ${e}`,
        e,
      );
    }
  }

  /**
   * The trace, when a span of the target's service in the target's
   * environment is part of it (the same rule as the list); otherwise
   * undefined, as if it did not exist.
   */
  async getTrace(
    target: ServiceTarget,
    traceId: string,
  ): Promise<Trace | undefined> {
    const id = traceIdForLookup(traceId);
    if (id === undefined) return undefined;
    const knex = this.#knex;
    let rows: Row[];
    try {
      rows = await knex(`${SPANS_TABLE} as t`)
        .select('t.id', 't.trace_id', 't.data')
        .where('t.trace_id', id)
        .whereExists(
          knex(`${SPANS_TABLE} as s`)
            .select(knex.raw('1'))
            .where('s.trace_id', id)
            .andWhere('s.service_name', target.serviceName)
            .andWhere(q => this.#environmentFilter(q, target.environment)),
        );
    } catch (e) {
      throw new TraceSourceUnavailableError(
        this.id,
        `Could not read stored traces: ${e}`,
        e,
      );
    }
    if (rows.length === 0) return undefined;
    return groupTraces(rows.map(r => JSON.parse(r.data) as Span))[0];
  }
}
