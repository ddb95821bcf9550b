#!/usr/bin/env node
// The skeleton is a project of its own with its own Prettier (3) and config, which disagree with the
// portal's Prettier 2: check (or with --write, fix) it with exactly the Prettier its package.json pins.
//
// A check also formats what the Create form makes of the files with `#region feature:` markers: each
// feature left out, and all of them. Dropping a region can leave a blank line before a closing brace,
// which the generated project's own `npm run lint` refuses (the template update test found one).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  applyFeatureRegions,
  hasFeatureMarkers,
} from '../plugins/scaffolder-backend-module-fastify/src/features/regions.ts';

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
const write = process.argv.includes('--write');

function prettier(mode, dir, extra = []) {
  return (
    spawnSync(
      'npm',
      [
        'exec',
        '--yes',
        `--package=prettier@${devDependencies.prettier}`,
        '--',
        'prettier',
        mode,
        ...extra,
        '.',
      ],
      { cwd: dir, stdio: 'inherit' },
    ).status ?? 1
  );
}

/** The skeleton's files with feature markers, as a clone has them (tracked or new, not ignored). */
function markedFiles() {
  return execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '.'],
    {
      cwd: skeleton,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter(f => f && /\.(ts|js|mjs|json|ya?ml|md)$/.test(f))
    .filter(f => hasFeatureMarkers(readFileSync(join(skeleton, f), 'utf8')));
}

/** Each feature left out (with the features that require it), and all of them. */
function variants() {
  const manifest = JSON.parse(
    readFileSync(join(skeleton, 'features.json'), 'utf8'),
  );
  const known = new Set(Object.keys(manifest));
  const without = name => {
    const off = new Set([name]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [f, def] of Object.entries(manifest))
        if (!off.has(f) && (def.requires ?? []).some(r => off.has(r)))
          off.add(f), (grew = true);
    }
    return new Set([...known].filter(f => !off.has(f)));
  };
  return {
    known,
    list: [
      ...[...known].map(name => [`without-${name}`, without(name)]),
      ['without-all', new Set()],
    ],
  };
}

let status = prettier(write ? '--write' : '--check', skeleton);
if (!write) {
  const temp = mkdtempSync(join(tmpdir(), 'skeleton-features-'));
  try {
    const { known, list } = variants();
    const files = markedFiles();
    for (const [name, enabled] of list) {
      for (const file of files) {
        const text = applyFeatureRegions(
          readFileSync(join(skeleton, file), 'utf8'),
          enabled,
          known,
          file,
        );
        mkdirSync(dirname(join(temp, name, file)), { recursive: true });
        writeFileSync(join(temp, name, file), text);
      }
    }
    for (const config of ['.prettierrc.json', '.prettierignore'])
      copyFileSync(join(skeleton, config), join(temp, config));
    console.log(
      `Checking ${files.length} files with feature regions in ${list.length} feature choices...`,
    );
    status ||= prettier('--check', temp);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
process.exit(status);
