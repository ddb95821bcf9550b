import { CustomErrorBase } from '@backstage/errors';
import {
  SOURCE_FAILURES,
  SourceFailure,
  SourceState,
} from '@fastify-backstage/plugin-service-health-common';

export type { SourceFailure };

/**
 * The one error family of the plugin's monitoring sources (the direct scrape,
 * Prometheus, the embedded store, Jaeger, Tempo, or a module's source).
 *
 * `reason` says what went wrong, and with it what the API reports:
 * - `connection`, `timeout`: the source could not be reached (`unreachable`);
 * - `http-status`, `too-large`, `invalid`, `sample-limit`, `refused`: it
 *   answered, or may not be asked, but gave nothing usable (`error`).
 *
 * @public
 */
export class SourceError extends CustomErrorBase {
  name = 'SourceError';
  constructor(
    message: string,
    readonly reason: SourceFailure,
    cause?: unknown,
  ) {
    super(message, cause);
  }

  /** Whether the source was not reached at all (rather than answering wrongly). */
  get unreachable(): boolean {
    return this.reason === 'connection' || this.reason === 'timeout';
  }
}

/**
 * The source could not be reached: connection refused or reset, DNS failure,
 * no complete answer within the deadline. This is a problem on the monitoring
 * side, different from the service being down.
 *
 * @public
 */
export class SourceUnreachableError extends SourceError {
  name = 'SourceUnreachableError';
  constructor(
    message: string,
    reason: 'connection' | 'timeout' = 'connection',
    cause?: unknown,
  ) {
    super(message, reason, cause);
  }
}

/**
 * What the API reports for a source that threw `error`. Errors of this
 * family carry their reason; anything else is an `error` (a bug or an
 * unexpected answer is not "unreachable").
 */
export function sourceStateOf(source: string, error: unknown): SourceState {
  const message = (error as Error)?.message ?? String(error);
  // By shape too: a module may bring its own copy of this package.
  const reason = (error as Partial<SourceError> | undefined)?.reason;
  if (
    error instanceof Error &&
    SOURCE_FAILURES.includes(reason as SourceFailure)
  ) {
    const e = { reason: reason as SourceFailure };
    const unreachable = e.reason === 'connection' || e.reason === 'timeout';
    return {
      source,
      status: unreachable ? 'unreachable' : 'error',
      reason: e.reason,
      message,
    };
  }
  return { source, status: 'error', message };
}
