import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { ConfigError, type Config, loadConfig } from './config.ts';
import { shutdownTelemetry } from './telemetry.ts';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const app = await buildApp(config);

/**
 * SIGTERM/SIGINT: /ready fails at once and the server keeps serving for SHUTDOWN_DRAIN_MS so load balancers
 * stop routing here; then new connections are refused, in-flight requests finish, the database pool closes
 * (onClose hooks) and buffered spans are flushed. All of it within SHUTDOWN_GRACE_MS, after which the
 * process exits anyway.
 */
closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger: app.log }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'shutting down after an uncaught error');
  else app.log.info({ signal }, 'shutting down');
  app.health.shuttingDown = true;
  if (!err) await sleep(config.SHUTDOWN_DRAIN_MS);
  await app.close();
  await shutdownTelemetry();
});

await app.listen({ host: config.HOST, port: config.PORT });
