import type { MetricsPoint } from '@fastify-backstage/plugin-service-health-common';
import { DIRECT_SOURCE_ID } from '../config';
import type { SampleStore } from '../database/stores';
import { OutboundHttp } from '../outbound/OutboundHttp';
import { SourceError, SourceUnreachableError } from '../errors';
import type { MetricsSource, MetricsWindow, ResolvedTarget } from '../types';
import { parseExposition } from './exposition';
import { compactSample, seriesFromSamples, summarize } from './samples';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Thinned samples: one per 10 minutes up to a day old, one per hour beyond. */
const DAY_BUCKET_MS = 10 * MINUTE;
const WEEK_BUCKET_MS = 60 * MINUTE;

/**
 * The embedded default: scrapes each service's `/metrics` itself (during the
 * scheduled poll, and on read when the newest sample is stale), keeps compact
 * samples in the plugin database and derives the figures from them.
 *
 * Every sample is kept for `retentionMinutes`, thinned-out ones for
 * `historyDays` (the long ranges). A failed scrape does not hide what is
 * stored: reads answer from the stored samples and {@link problem} says why
 * they stop.
 */
export class DirectMetricsSource implements MetricsSource {
  readonly id = DIRECT_SOURCE_ID;
  readonly #inFlight = new Map<string, Promise<void>>();
  /** The latest scrape's failure per target, until a scrape succeeds. */
  readonly #failures = new Map<string, Error>();

  constructor(
    private readonly options: {
      http: OutboundHttp;
      store: SampleStore;
      retentionMinutes: number;
      historyDays?: number;
      freshnessSeconds: number;
      /** Most samples of the read families one scrape may have (`sample_limit`). */
      sampleLimit: number;
    },
  ) {}

  async poll(target: ResolvedTarget, signal?: AbortSignal): Promise<void> {
    const key = keyOf(target);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = this.#scrape(target, signal)
      .then(
        () => {
          this.#failures.delete(key);
        },
        e => {
          this.#failures.set(key, e as Error);
          throw e;
        },
      )
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, p);
    return p;
  }

  /** Why the latest scrape of the target failed, while it keeps failing. */
  problem(target: ResolvedTarget): Error | undefined {
    return this.#failures.get(keyOf(target));
  }

  async dataSince(target: ResolvedTarget): Promise<Date | undefined> {
    const t = await this.options.store.earliestTime(
      target.entityRef,
      target.environment,
    );
    return t === undefined ? undefined : new Date(t);
  }

  /**
   * One scrape. Connection failures and timeouts throw a
   * SourceUnreachableError; an answer that is not a usable metrics body
   * (HTTP status other than 200, over the size limit, not the text format,
   * over the sample limit) a SourceError with its reason.
   */
  async #scrape(target: ResolvedTarget, signal?: AbortSignal) {
    if (target.refused) throw new SourceError(target.refused, 'refused');
    const url = `${target.baseUrl}/metrics`;
    let res;
    try {
      res = await this.options.http.request(url, {
        headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' },
        signal,
      });
    } catch (e) {
      const message = `Could not scrape ${url}: ${(e as Error).message}`;
      const reason = e instanceof SourceError ? e.reason : 'connection';
      if (reason === 'connection' || reason === 'timeout') {
        throw new SourceUnreachableError(message, reason, e);
      }
      throw new SourceError(message, reason, e);
    }
    if (res.status !== 200) {
      throw new SourceError(
        `${url} answered HTTP ${res.status}`,
        'http-status',
      );
    }
    let exposition;
    try {
      exposition = await parseExposition(res.body.toString('utf8'), {
        sampleLimit: this.options.sampleLimit,
        url,
      });
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      throw new SourceError(`${url}: ${e.message}`, e.reason, e);
    }
    await this.options.store.insert(
      target.entityRef,
      target.environment,
      compactSample(exposition, Date.now()),
    );
  }

  async #ensureFresh(target: ResolvedTarget, to: Date) {
    // a window that ended long ago is read from stored samples only
    if (to.getTime() < Date.now() - 60_000) return;
    const latest = await this.options.store.latestTime(
      target.entityRef,
      target.environment,
    );
    if (
      latest === undefined ||
      Date.now() - latest > this.options.freshnessSeconds * 1000
    ) {
      // A failed scrape is remembered (see problem()); the stored samples
      // still answer, so history stays visible while the service is down.
      await this.poll(target).catch(() => undefined);
    }
  }

  /** Without any stored sample, the failed scrape is the answer. */
  #failIfNothingStored(target: ResolvedTarget) {
    const failure = this.problem(target);
    if (failure) throw failure;
  }

  async getSummary(target: ResolvedTarget, window: MetricsWindow) {
    await this.#ensureFresh(target, window.to);
    const edges = await this.options.store.edges(
      target.entityRef,
      target.environment,
      window.from.getTime(),
      Math.max(window.to.getTime(), Date.now()),
    );
    if (!edges || edges[0].t === edges[1].t) {
      this.#failIfNothingStored(target);
      return undefined;
    }
    return summarize(edges[0], edges[1]);
  }

  async getSeries(
    target: ResolvedTarget,
    window: MetricsWindow & { stepSeconds: number },
  ): Promise<MetricsPoint[] | undefined> {
    await this.#ensureFresh(target, window.to);
    const samples = await this.options.store.between(
      target.entityRef,
      target.environment,
      window.from.getTime() - window.stepSeconds * 1000,
      window.to.getTime(),
    );
    if (samples.length < 2) {
      this.#failIfNothingStored(target);
      return undefined;
    }
    const now = Date.now();
    const fullFrom = now - this.options.retentionMinutes * MINUTE;
    return seriesFromSamples(
      samples,
      window.from.getTime(),
      window.to.getTime(),
      window.stepSeconds,
      // Samples further apart than this are a gap (the service was down or
      // not scraped); closer ones were thinned out on purpose or just missed
      // a step, and the figures between them are their true average.
      t => {
        let spacing = 2.5 * WEEK_BUCKET_MS;
        if (t >= fullFrom) spacing = 3 * MINUTE;
        else if (t >= now - DAY) spacing = 2.5 * DAY_BUCKET_MS;
        return Math.max(2 * window.stepSeconds * 1000, spacing);
      },
    );
  }

  /** `now` is for tests: the tiers' edges depend on it. */
  async prune(now = Date.now()) {
    const fullFrom = now - this.options.retentionMinutes * MINUTE;
    const historyDays = this.options.historyDays ?? 0;
    const keepFrom = Math.min(fullFrom, now - historyDays * DAY);
    await this.options.store.prune(keepFrom);
    if (historyDays > 0) {
      const dayFrom = Math.max(keepFrom, Math.min(fullFrom, now - DAY));
      await this.options.store.thin(dayFrom, fullFrom, DAY_BUCKET_MS);
      await this.options.store.thin(keepFrom, dayFrom, WEEK_BUCKET_MS);
    }
  }
}

function keyOf(target: ResolvedTarget) {
  return `${target.entityRef}\u0000${target.environment}`;
}
