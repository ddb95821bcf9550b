import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The environment of a rendered project's commands: nothing of the
 * surrounding npm/jest run leaks in, the Node that runs the tests (24) comes
 * first on PATH, and FASTIFY_MATRIX_NPM_CACHE picks the npm cache.
 */
export function childEnv(
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      k.startsWith('npm_') ||
      [
        'NODE_OPTIONS',
        'NODE_ENV',
        'JEST_WORKER_ID',
        'DATABASE_URL',
        'REDIS_URL',
        'INIT_CWD',
      ].includes(k)
    )
      continue;
    env[k] = v;
  }
  env.PATH = [path.dirname(process.execPath), process.env.PATH].join(
    path.delimiter,
  );
  env.CI = 'true';
  if (process.env.FASTIFY_MATRIX_NPM_CACHE)
    env.npm_config_cache = process.env.FASTIFY_MATRIX_NPM_CACHE;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A project's command that runs longer than this is killed (a test run that never exits, e.g. on a leaked server). */
const RUN_TIMEOUT_MS = 15 * 60_000;

/**
 * Runs a command in a project; rejects with the output's tail when it fails
 * or runs past RUN_TIMEOUT_MS (its whole process group is killed then).
 * Each run's duration is appended to `timings` (`<folder>: <what> <s>s`).
 */
export function runIn(
  timings: string[],
  cwd: string,
  what: string,
  command: string,
  args: string[],
  env = childEnv(),
): Promise<string> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, RUN_TIMEOUT_MS);
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.on('error', reject);
    child.on('close', code => {
      clearTimeout(timer);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      timings.push(
        `${path.basename(cwd)}: ${what} ${seconds}s${code ? ' FAILED' : ''}`,
      );
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `${what} ${
              timedOut
                ? `timed out after ${RUN_TIMEOUT_MS / 60_000} min`
                : 'failed'
            } in ${cwd} (exit ${code}, ${seconds}s):\n${output.slice(-6000)}`,
          ),
        );
    });
  });
}
