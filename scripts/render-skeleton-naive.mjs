#!/usr/bin/env node
// Dev-only: renders templates/fastify-service/skeleton/ the simple way, to iterate on it without the scaffolder.
// Copies skeleton/ to <target> (without node_modules, dist, coverage, package-lock.json) and replaces every
// `${{ values.x }}` with the sample value of x. Files under .github/workflows/ are copied untouched, as the
// template's copyWithoutTemplating does. Applies NO feature removal (that is fastify:features:apply).
//
//   node scripts/render-skeleton-naive.mjs <target> [values.json]
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const skeleton = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'templates',
  'fastify-service',
  'skeleton',
);
const [target, valuesFile] = process.argv.slice(2);
if (!target) {
  console.error('usage: render-skeleton-naive.mjs <target> [values.json]');
  process.exit(2);
}

const sample = {
  name: 'sample-service',
  description: 'A sample service rendered from the skeleton',
  owner: 'group:default/team-a',
  system: 'system:default/examples',
  lifecycle: 'experimental',
  port: 8080,
  database: 'postgres',
  events: 'none',
  auth: 'none',
  otlpEndpoint: 'http://localhost:7007/api/service-health/otlp',
};
const values = {
  ...sample,
  ...(valuesFile ? JSON.parse(await readFile(valuesFile, 'utf8')) : {}),
};

const skip = new Set(['node_modules', 'dist', 'coverage', 'package-lock.json']);
const placeholder = /\$\{\{\s*values\.(\w+)\s*\}\}/g;

await rm(target, { recursive: true, force: true });
await mkdir(target, { recursive: true });

async function render(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const from = join(dir, entry.name);
    const rel = relative(skeleton, from);
    const to = join(target, rel);
    if (entry.isDirectory()) {
      await mkdir(to, { recursive: true });
      await render(from);
    } else if (rel.startsWith(join('.github', 'workflows'))) {
      await cp(from, to);
    } else {
      const text = await readFile(from, 'utf8');
      const rendered = text.replace(placeholder, (match, key) => {
        if (!(key in values))
          throw new Error(`${rel}: no sample value for ${match}`);
        return String(values[key]);
      });
      await writeFile(to, rendered);
    }
  }
}
await render(skeleton);
console.log(`rendered ${skeleton} -> ${resolve(target)}`);
