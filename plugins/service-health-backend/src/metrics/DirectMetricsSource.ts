import type { MetricsPoint } from '@fastify-backstage/plugin-service-health-common';
import { DIRECT_SOURCE_ID } from '../config';
import type { SampleStore } from '../database/stores';
import { OutboundHttp } from '../outbound/OutboundHttp';
import { SourceError, SourceUnreachableError } from '../errors';
import type { MetricsSource, MetricsWindow, ResolvedTarget } from '../types';
import { parseExposition } from './exposition';
import { compactSample, seriesFromSamples, summarize } from './samples';

/**
 * The embedded default: scrapes each service's `/metrics` itself (during the
 * scheduled poll, and on read when the newest sample is stale), keeps compact
 * samples in the plugin database and derives the figures from them.
 */
export class DirectMetricsSource implements MetricsSource {
  readonly id = DIRECT_SOURCE_ID;
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly options: {
      http: OutboundHttp;
      store: SampleStore;
      retentionMinutes: number;
      freshnessSeconds: number;
      /** Most samples of the read families one scrape may have (`sample_limit`). */
      sampleLimit: number;
    },
  ) {}

  async poll(target: ResolvedTarget, signal?: AbortSignal): Promise<void> {
    const key = `${target.entityRef}\u0000${target.environment}`;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const p = this.#scrape(target, signal).finally(() =>
      this.#inFlight.delete(key),
    );
    this.#inFlight.set(key, p);
    return p;
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
      await this.poll(target);
    }
  }

  async getSummary(target: ResolvedTarget, window: MetricsWindow) {
    await this.#ensureFresh(target, window.to);
    const edges = await this.options.store.edges(
      target.entityRef,
      target.environment,
      window.from.getTime(),
      Math.max(window.to.getTime(), Date.now()),
    );
    if (!edges || edges[0].t === edges[1].t) return undefined;
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
    if (samples.length < 2) return undefined;
    return seriesFromSamples(
      samples,
      window.from.getTime(),
      window.to.getTime(),
      window.stepSeconds,
    );
  }

  async prune() {
    await this.options.store.prune(
      Date.now() - this.options.retentionMinutes * 60_000,
    );
  }
}
