import type { LoggerService } from '@backstage/backend-plugin-api';
import express from 'express';
import type { Knex } from 'knex';
import type { AddressInfo } from 'node:net';
import { resolvePackagePath } from '@backstage/backend-plugin-api';

/** Applies the plugin's migrations, as the plugin does at start-up. */
export async function migrate(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@fastify-backstage/plugin-service-health-backend',
      'migrations',
    ),
  });
}

/** A logger that prints nothing. */
export function testLogger(): LoggerService {
  const logger: LoggerService = {
    error() {},
    warn() {},
    info() {},
    debug() {},
    child: () => logger,
  };
  return logger;
}

/** A real HTTP server on 127.0.0.1 with an ephemeral port. */
export async function startServer(
  configure: (app: express.Express) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  configure(app);
  const server = await new Promise<import('node:http').Server>(resolve => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
