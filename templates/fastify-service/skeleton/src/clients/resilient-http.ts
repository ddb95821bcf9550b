import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import type { Static, TSchema } from 'typebox';
import Value from 'typebox/value';

export { BrokenCircuitError } from 'cockatiel';

/** A failed call to another service. `retryable` failures (network, timeout, 5xx, 429) also count for the breaker. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly dependency: string;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(dependency: string, message: string, status: number | undefined, retryable: boolean) {
    super(`${dependency}: ${message}`);
    this.dependency = dependency;
    this.status = status;
    this.retryable = retryable;
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** The value exported as `circuit_breaker_state{name}`: 0 closed, 1 open, 2 half-open, 3 isolated (held open). */
export function breakerStateValue(state: BreakerState): number {
  return { closed: 0, open: 1, 'half-open': 2, isolated: 3 }[state];
}

export type ResilientClientOptions = {
  /** Dependency name: metric label and readiness key `<name>:circuit`. */
  name: string;
  baseUrl: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Consecutive failures that open the circuit. */
  breakerThreshold: number;
  /** How long the circuit stays open before one trial call (half-open). */
  halfOpenAfterMs: number;
  /** First retry delay; later ones grow exponentially with decorrelated jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  headers?: Record<string, string>;
  onStateChange?: (state: BreakerState) => void;
};

function isFailure(error: unknown): boolean {
  return error instanceof TaskCancelledError || (error instanceof UpstreamError && error.retryable);
}

/**
 * JSON over HTTP with the three protections every outbound call needs, composed with cockatiel:
 * retry (outermost, jittered exponential backoff, only for retryable failures) → circuit breaker (opens after
 * N consecutive failures, fails fast with BrokenCircuitError while open) → timeout (per attempt, aborts the
 * request). Only idempotent calls (GET) are retried. fetch() is traced by the undici instrumentation, which
 * also propagates the trace context downstream.
 */
export class ResilientHttpClient {
  readonly name: string;
  private readonly baseUrl: URL;
  private readonly headers: Record<string, string>;
  private readonly breaker;
  private readonly policy;

  constructor(options: ResilientClientOptions) {
    this.name = options.name;
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.headers = { accept: 'application/json', ...options.headers };
    const failures = handleWhen(isFailure);
    this.breaker = circuitBreaker(failures, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    const { onStateChange } = options;
    if (onStateChange)
      this.breaker.onStateChange((state) => {
        onStateChange(STATE_NAMES[state]);
      });
    const retries = retry(failures, {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({
        initialDelay: options.initialBackoffMs ?? 100,
        maxDelay: options.maxBackoffMs ?? 2_000,
      }),
    });
    this.policy = wrap(retries, this.breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
  }

  get state(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  /** GET `path` (relative to the base URL) and validate the JSON body against `schema`. */
  async getJson<S extends TSchema>(path: string, schema: S): Promise<Static<S>> {
    const url = new URL(path.replace(/^\//, ''), this.baseUrl);
    return this.policy.execute(async ({ signal }) => {
      let response: Response;
      try {
        response = await fetch(url, { headers: this.headers, signal });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new UpstreamError(this.name, `request failed: ${String(error)}`, undefined, true);
      }
      if (!response.ok) {
        await response.body?.cancel();
        const retryable = response.status >= 500 || response.status === 429;
        throw new UpstreamError(this.name, `answered ${response.status}`, response.status, retryable);
      }
      const body: unknown = await response.json();
      if (!Value.Check(schema, body)) {
        throw new UpstreamError(this.name, 'answered with an unexpected body', response.status, false);
      }
      return body;
    });
  }
}
