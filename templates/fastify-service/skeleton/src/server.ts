import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, type Config, loadConfig } from './config.ts';
import { shutdownTelemetry } from './telemetry.ts';
// #region feature:database
import { databaseFailure } from './db/errors.ts';
// #endregion feature:database

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

/** A start-up failure with a cause the operator can fix gets one clear line instead of a stack trace. */
function startupFailure(error: unknown): never {
  // #region feature:database
  const failure = databaseFailure(error);
  if (failure?.status === 503) {
    const { code, message } = error as { code?: string; message?: string };
    const reason = message || code || 'unknown error';
    console.error(
      `Cannot use the database at DATABASE_URL (${reason}) after ${String(config.DB_CONNECT_RETRIES + 1)} attempts: ` +
        'start it, correct DATABASE_URL, or leave DATABASE_URL empty for the embedded PGlite.',
    );
    process.exit(1);
  }
  // #endregion feature:database
  throw error;
}

const app = await buildApp(config).catch(startupFailure);

/**
 * Stops accepting connections and waits (at most `limitMs`) for the open ones to end, which they do after their
 * next response (it says `Connection: close` from then on, see plugins/app/health.ts). http.Server#close,
 * which app.close() calls, would also destroy every idle keep-alive socket at once: a request a client is writing
 * onto one at that moment would be reset, and a client cannot know whether a reset POST was applied.
 */
async function stopAccepting(server: NetServer, limitMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    NetServer.prototype.close.call(server, () => {
      resolve();
    });
  });
  await Promise.race([closed, sleep(limitMs)]);
}

/**
 * SIGTERM/SIGINT: /ready fails at once and the server keeps serving for SHUTDOWN_DRAIN_MS so load balancers
 * stop routing here; then new connections are refused, open ones end after their next response, in-flight requests
 * finish, the database pool closes
 * (onClose hooks) and buffered spans are flushed. All of it within SHUTDOWN_GRACE_MS, after which the
 * process exits anyway. Exit code 0 after a clean shutdown.
 */
let stopSignal: NodeJS.Signals | undefined;
let closing = false;
const shutdown = closeWithGrace(
  // SIGINT and SIGTERM are handled below: close-with-grace would take any second one for "exit now" (code 1).
  { delay: config.SHUTDOWN_GRACE_MS, logger: app.log, skip: ['SIGINT', 'SIGTERM'] },
  async ({ err }) => {
    closing = true;
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal: stopSignal }, 'shutting down');
    app.health.shuttingDown = true;
    if (!err) {
      await sleep(config.SHUTDOWN_DRAIN_MS);
      app.health.closingConnections = true;
      await stopAccepting(app.server, config.SHUTDOWN_GRACE_MS / 2);
    }
    await app.close();
    await shutdownTelemetry();
  },
);

/**
 * One Ctrl+C can arrive more than once: the terminal signals its whole foreground process group, and npm or a
 * supervisor in that group forwards the same signal milliseconds later (measured: 18 ms). A repeat within
 * SIGNAL_REPEAT_MS is that same request; a later one (a shutdown that hangs, and the operator insists) exits at once.
 */
const SIGNAL_REPEAT_MS = 500;
let firstSignalAt: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      stopSignal = signal;
      // Already closing after an uncaught error: the signal only opens the repeat window.
      if (!closing) shutdown.close();
    } else if (Date.now() - firstSignalAt > SIGNAL_REPEAT_MS) {
      app.log.error({ signal }, 'second signal during shutdown, exiting at once');
      process.exit(1);
    }
  });
}

await app.listen({ host: config.HOST, port: config.PORT });
