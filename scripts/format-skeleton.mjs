#!/usr/bin/env node
// The skeleton is a project of its own with its own Prettier (3) and config, which disagree with the
// portal's Prettier 2: check (or with --write, fix) it with exactly the Prettier its package.json pins.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const skeleton = join(
  import.meta.dirname,
  '..',
  'templates',
  'fastify-service',
  'skeleton',
);
const { devDependencies } = JSON.parse(
  readFileSync(join(skeleton, 'package.json'), 'utf8'),
);
const mode = process.argv.includes('--write') ? '--write' : '--check';
const result = spawnSync(
  'npm',
  [
    'exec',
    '--yes',
    `--package=prettier@${devDependencies.prettier}`,
    '--',
    'prettier',
    mode,
    '.',
  ],
  { cwd: skeleton, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
