import { Redis } from 'ioredis';

type Logger = { warn(object: object, message: string): void; info(object: object, message: string): void };

/**
 * A Redis connection that fails fast instead of queueing: while Redis is unreachable, commands reject at once
 * (rate limiting then fails open) and the client keeps reconnecting in the background with capped backoff.
 * #region feature:events
 * The outbox relay keeps events in PostgreSQL meanwhile.
 * #endregion feature:events
 */
export function createRedis(url: string, log: Logger, connectionName: string): Redis {
  const redis = new Redis(url, {
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
  // Log the first error of an outage and the recovery, not every reconnection attempt.
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: error, connectionName }, 'redis unreachable, reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info({ connectionName }, 'redis reachable again');
  });
  return redis;
}

/** Closes gracefully when connected (pending replies arrive), at once otherwise. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
