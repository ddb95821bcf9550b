import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from '@jest/globals';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

type Outcome = { status: number; connection: string | undefined } | { error: string };

function get(agent: Agent, port: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent }, (response) => {
      response.resume();
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ error: error.code ?? error.message });
    });
    req.end();
  });
}

// Run by `npm run test:outage`: it starts the real server (src/server.ts) and sends it SIGTERM under load.
describe('shutdown under keep-alive load', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    if (server?.exitCode === null) server.kill('SIGKILL');
  });

  it('answers every request it accepted: no connection resets, Connection: close at the end, exit 0', async () => {
    const port = await freePort();
    server = spawn(process.execPath, ['--import', './src/telemetry.ts', 'src/server.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        SHUTDOWN_DRAIN_MS: '1500',
        DATABASE_URL: '',
        REDIS_URL: '',
        OTEL_SDK_DISABLED: 'true',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => server?.once('exit', resolve));
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    for (let attempt = 0; ; attempt++) {
      const outcome = await get(agent, port);
      if ('status' in outcome) break;
      if (attempt > 600) throw new Error('the server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const outcomes: Outcome[] = [];
    let signalled = false;
    // 16 keep-alive clients, each sending its next request as soon as the previous one is answered, until the
    // server no longer accepts connections.
    const clients = Array.from({ length: 16 }, async () => {
      for (;;) {
        const outcome = await get(agent, port);
        if ('error' in outcome && outcome.error === 'ECONNREFUSED') return;
        outcomes.push(outcome);
        if (!signalled && outcomes.length >= 300) {
          signalled = true;
          server?.kill('SIGTERM');
        }
      }
    });
    await Promise.all(clients);
    agent.destroy();

    const failed = outcomes.filter((outcome) => 'error' in outcome || outcome.status >= 500);
    expect(failed).toEqual([]);
    expect(outcomes.some((outcome) => 'status' in outcome && outcome.connection === 'close')).toBe(true);
    expect(await exited).toBe(0);
  }, 120_000);
});
