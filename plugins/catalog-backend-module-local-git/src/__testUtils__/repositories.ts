import { createLocalRepository } from '@fastify-backstage/plugin-local-git-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function makeTempDir(prefix = 'local-git-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A bare repository `<root>/<name>.git` with one commit of `files` on `defaultBranch`. */
export async function createTestRepository(
  root: string,
  name: string,
  files: Record<string, string>,
  defaultBranch = 'main',
) {
  const src = makeTempDir();
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    fs.writeFileSync(path.join(src, rel), content);
  }
  return createLocalRepository({
    root,
    name,
    sourceDir: src,
    defaultBranch,
    commitMessage: 'init',
    author: { name: 'a', email: 'a@b' },
  });
}

/** Polls `probe` every 250 ms until it returns a value. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 250));
  }
}
