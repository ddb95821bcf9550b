// Renders the skeleton for benchmarks the way the template does for the sample values: naive value
// substitution (scripts/render-skeleton-naive.mjs), then the scaffolder module's own feature removal
// (applyFeatures, loaded through the Backstage node transform) for database=postgres, events=none, auth=none.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_CHOICES = {
  database: 'postgres',
  events: 'none',
  auth: 'none',
};

function naive(dir) {
  execFileSync(
    process.execPath,
    [join(root, 'scripts', 'render-skeleton-naive.mjs'), dir],
    { stdio: 'ignore' },
  );
}

/**
 * Returns applyFeatures' result, or `{ enabled: ['all'], disabled: [], warning }` when the skeleton's feature
 * markers and manifest disagree (work in progress): then the render keeps every feature on.
 */
export async function renderSkeleton(dir, choices = DEFAULT_CHOICES) {
  naive(dir);
  try {
    return await applyChoices(dir, choices);
  } catch (error) {
    naive(dir);
    return {
      enabled: ['all'],
      disabled: [],
      warning: `feature removal failed, all features on: ${error.message}`,
    };
  }
}

async function applyChoices(dir, choices) {
  const pluginDir = join(root, 'plugins', 'scaffolder-backend-module-fastify');
  const require = createRequire(join(pluginDir, 'package.json'));
  require('@backstage/cli/config/nodeTransform.cjs');
  const { applyFeatures } = require('./src/features/applyFeatures.ts');
  // Only the features this skeleton's manifest declares (others are always on until they get an entry).
  const manifest = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8'));
  const known = Object.fromEntries(
    Object.entries(choices).filter(([name]) => name in manifest),
  );
  return applyFeatures({ dir, choices: known });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, json] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node bench/lib/render.mjs <dir> [choices-json]');
    process.exit(2);
  }
  const result = await renderSkeleton(
    dir,
    json ? JSON.parse(json) : DEFAULT_CHOICES,
  );
  console.log(
    `rendered into ${dir}: enabled ${result.enabled.join(
      ',',
    )} disabled ${result.disabled.join(',')}`,
  );
  if (result.warning) console.log(result.warning);
}
