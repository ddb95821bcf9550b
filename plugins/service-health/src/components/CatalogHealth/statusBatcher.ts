import type {
  EntityStatus,
  ServiceHealthStatusApi,
} from '@fastify-backstage/plugin-service-health-common';

/** A status we asked for: the answer (`null`: not found), or the error. */
export type StatusEntry =
  | { status: EntityStatus | null; loadedAt: number }
  | { error: Error; loadedAt: number };

/** Statuses older than this are asked again when a view needs them. */
const FRESH_MS = 30_000;

/**
 * Collects the refs every cell of a table page asks for during one render
 * and sends them in one batch request, instead of one request per row.
 * Answers are cached for {@link FRESH_MS}; views subscribe to changes.
 */
export class StatusBatcher {
  readonly #entries = new Map<string, StatusEntry>();
  readonly #pending = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #version = 0;
  /** Number of requests sent, for tests and the curious. */
  requests = 0;

  constructor(private readonly api: ServiceHealthStatusApi) {}

  get(ref: string): StatusEntry | undefined {
    return this.#entries.get(ref);
  }

  /** Changes with every answer: a snapshot key for useSyncExternalStore. */
  get version() {
    return this.#version;
  }

  subscribe = (listener: () => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  #lastPage: { refs: string[]; at: number } | undefined;

  /**
   * Asks for a whole page's refs, as every cell of the page does: the same
   * array asked again while fresh is skipped at once instead of walked once
   * per cell.
   */
  wantPage(refs: string[], now = Date.now()) {
    const last = this.#lastPage;
    if (last && last.refs === refs && now - last.at < FRESH_MS) return;
    this.#lastPage = { refs, at: now };
    this.want(refs, now);
  }

  /** Asks for `refs` (those not fresh and not already asked) in the next batch. */
  want(refs: Iterable<string>, now = Date.now()) {
    for (const ref of refs) {
      const entry = this.#entries.get(ref);
      if (entry && now - entry.loadedAt < FRESH_MS) continue;
      if (this.#inFlight.has(ref)) continue;
      this.#pending.add(ref);
    }
    if (this.#pending.size > 0 && !this.#timer) {
      this.#timer = setTimeout(() => this.#flush(), 0);
    }
  }

  async #flush() {
    this.#timer = undefined;
    const refs = [...this.#pending];
    this.#pending.clear();
    refs.forEach(r => this.#inFlight.add(r));
    this.requests++;
    try {
      const { items } = await this.api.getStatuses(refs);
      const loadedAt = Date.now();
      refs.forEach((ref, i) =>
        this.#entries.set(ref, { status: items[i] ?? null, loadedAt }),
      );
    } catch (e) {
      const loadedAt = Date.now();
      refs.forEach(ref =>
        this.#entries.set(ref, { error: e as Error, loadedAt }),
      );
    } finally {
      refs.forEach(r => this.#inFlight.delete(r));
      this.#version++;
      this.#listeners.forEach(l => l());
    }
  }
}

const batchers = new WeakMap<ServiceHealthStatusApi, StatusBatcher>();

/** One batcher per API instance, shared by every view of the app. */
export function batcherFor(api: ServiceHealthStatusApi): StatusBatcher {
  let batcher = batchers.get(api);
  if (!batcher) {
    batcher = new StatusBatcher(api);
    batchers.set(api, batcher);
  }
  return batcher;
}
