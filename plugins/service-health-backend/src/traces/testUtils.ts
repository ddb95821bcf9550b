import type { LoggerService } from '@backstage/backend-plugin-api';
import express from 'express';
import knexFactory, { Knex } from 'knex';
import type { AddressInfo } from 'node:net';
import { applyTraceMigrations } from './EmbeddedTraceSource';

/** An in-memory SQLite database with the traces migration applied. */
export async function createTestDatabase(): Promise<Knex> {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  await applyTraceMigrations(knex);
  return knex;
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
