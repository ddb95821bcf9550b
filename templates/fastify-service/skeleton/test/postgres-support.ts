import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** PostgreSQL's server binaries: PG_BIN, `pg_config --bindir`, or Debian's /usr/lib/postgresql/<newest>/bin. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root)) return undefined;
    const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
    return newest === undefined ? undefined : join(root, newest, 'bin');
  }
}

/** As root, PostgreSQL must run as another user: the `postgres` account's ids. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  return { uid, gid };
}

/**
 * A private PostgreSQL server (never a shared one) in a temporary directory, run as a child process, so a test can
 * stop it, freeze it (SIGSTOP to the postmaster and every backend) and bring it back. The port is
 * OUTAGE_PG_PORT, or a free one.
 */
export async function startPrivatePostgres() {
  const bin = postgresBinDir();
  if (bin === undefined || !existsSync(join(bin, 'initdb'))) {
    throw new Error('PostgreSQL server binaries not found: set PG_BIN (e.g. /usr/lib/postgresql/16/bin)');
  }
  const port = process.env.OUTAGE_PG_PORT ? Number(process.env.OUTAGE_PG_PORT) : await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pg-outage-'));
  const user = runAs();
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const ids = user ?? {};
  execFileSync(
    join(bin, 'initdb'),
    ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8'],
    {
      ...ids,
      stdio: 'ignore',
    },
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  const ready = async () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error('private PostgreSQL did not start');
  };

  const start = async () => {
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        join(dir, 'data'),
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-k',
        dir,
        '-c',
        'fsync=off',
      ],
      { ...ids, stdio: 'ignore' },
    );
    await ready();
  };

  /** Fast shutdown (SIGINT): backends end, clients see their connections close. */
  const stop = async () => {
    const running = child;
    if (running?.pid === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    thaw();
    running.kill('SIGINT');
    await exited;
  };

  // Every backend makes itself a process group of its own (setsid), so signalling the postmaster's group is not
  // enough: the postmaster and each of its children, listed by ps.
  let frozen: number[] = [];
  const processes = () => {
    const pid = child?.pid;
    if (pid === undefined) return [];
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((id) => id > 0);
    return [pid, ...children];
  };
  const thaw = () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen = [];
  };

  await start();
  return {
    url,
    start,
    stop,
    /** Every process of the server stops answering, its sockets stay open: a stalled database. */
    freeze: () => {
      frozen = processes();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
