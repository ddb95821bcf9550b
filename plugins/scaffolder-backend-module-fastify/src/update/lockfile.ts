import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** How long `npm install --package-lock-only` may take. */
const NPM_TIMEOUT_MS = 5 * 60_000;

/** The environment for npm: this process's, without what an `npm start` around the backend set. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE_OPTIONS') {
      continue;
    }
    env[key] = value;
  }
  // The Node that runs the backend, and the npm that ships with it, first.
  env.PATH = [path.dirname(process.execPath), process.env.PATH]
    .filter(Boolean)
    .join(path.delimiter);
  return env;
}

/**
 * Writes a fresh package-lock.json for `packageJson`, starting from the
 * service's `lockfile` so that versions nothing asked to change stay as they
 * were: `npm install --package-lock-only --ignore-scripts` in a scratch
 * folder (no node_modules, no install scripts). `npmrc` is the repository's
 * .npmrc, if it has one (registry, scopes).
 */
export async function regenerateNpmLockfile(options: {
  scratchDir: string;
  packageJson: Buffer;
  lockfile: Buffer;
  npmrc?: Buffer;
  signal?: AbortSignal;
}): Promise<Buffer> {
  const dir = options.scratchDir;
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'package.json'), options.packageJson);
  await fs.writeFile(path.join(dir, 'package-lock.json'), options.lockfile);
  if (options.npmrc)
    await fs.writeFile(path.join(dir, '.npmrc'), options.npmrc);
  try {
    await execFileAsync(
      'npm',
      [
        'install',
        '--package-lock-only',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      {
        cwd: dir,
        env: npmEnv(),
        timeout: NPM_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        signal: options.signal,
      },
    );
  } catch (e) {
    const error = e as Error & { stderr?: string };
    const detail = (error.stderr ?? error.message).trim().split('\n').slice(-5);
    throw new Error(
      `npm install --package-lock-only failed: ${detail.join(' ')}`,
    );
  }
  return fs.readFile(path.join(dir, 'package-lock.json'));
}
