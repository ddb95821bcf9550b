import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';

type Run = { code: number | null; signal: NodeJS.Signals | null; output: string; afterSignalMs: number };

/**
 * `npm run dev` in a process group of its own, as a terminal runs it; once it listens, SIGINT goes to the whole
 * group, as Ctrl+C does (the terminal signals every process of its foreground group). `againAfterMs`: a second
 * Ctrl+C that long after the first.
 */
async function ctrlC(env: Record<string, string>, againAfterMs?: number): Promise<Run> {
  const child = spawn('npm', ['run', 'dev'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      // The embedded database, in memory, and nothing exported: the test needs no server.
      DATABASE_URL: '',
      PGLITE_DATA_DIR: '',
      REDIS_URL: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      ...env,
    },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('npm did not start');
  let output = '';
  let signalledAt = 0;
  const listening = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (signalledAt === 0 && /listening at/i.test(output)) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  const exited = new Promise<Pick<Run, 'code' | 'signal'>>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    }),
  );
  try {
    await Promise.race([listening, exited]);
    signalledAt = Date.now();
    process.kill(-pid, 'SIGINT');
    if (againAfterMs !== undefined) {
      await sleep(againAfterMs);
      process.kill(-pid, 'SIGINT');
    }
    const { code, signal } = await exited;
    return { code, signal, output, afterSignalMs: Date.now() - signalledAt };
  } finally {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group has ended
    }
  }
}

describe('npm run dev', () => {
  it('stops cleanly on Ctrl+C: exit code 0, a logged shutdown, no crash', async () => {
    const run = await ctrlC({});
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.output).toContain('shutting down');
    expect(run.output).not.toMatch(/Assertion failed|second signal|again: stopping|Error/);
  }, 240_000);

  it('stops at once on a second Ctrl+C while the shutdown is still draining', async () => {
    const run = await ctrlC({ SHUTDOWN_DRAIN_MS: '30000' }, 1_000);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('SIGINT again: stopping at once');
    expect(run.afterSignalMs).toBeLessThan(10_000);
  }, 240_000);
});
