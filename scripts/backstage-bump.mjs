// Moves every @backstage/* dependency of this npm-workspaces repository to the versions of one
// Backstage release, from that release's manifest. `backstage-cli versions:bump` does this for
// Yarn repositories only (it reads yarn.lock and fails here with ENOENT).
//
//   npm run backstage:bump -- 1.56.0                                   (fetches the manifest)
//   BACKSTAGE_MANIFEST_FILE=./manifest.json npm run backstage:bump     (offline)
//
// Then: npm install, npm run check, npm test, npm run test:adoption.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
];

async function readManifest(release) {
  const file = process.env.BACKSTAGE_MANIFEST_FILE;
  if (file) return JSON.parse(readFileSync(file, 'utf8'));
  if (!release) {
    throw new Error(
      'Name a release (npm run backstage:bump -- 1.56.0) or set BACKSTAGE_MANIFEST_FILE',
    );
  }
  const url = `https://versions.backstage.io/v1/releases/${encodeURIComponent(
    release,
  )}/manifest.json`;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

function workspacePackageFiles() {
  const files = [join(ROOT, 'package.json')];
  for (const folder of ['packages', 'plugins']) {
    for (const name of readdirSync(join(ROOT, folder))) {
      const file = join(ROOT, folder, name, 'package.json');
      if (existsSync(file)) files.push(file);
    }
  }
  return files;
}

const manifest = await readManifest(process.argv[2]);
const versions = new Map(manifest.packages.map(p => [p.name, p.version]));
let changed = 0;
const missing = new Set();
for (const file of workspacePackageFiles()) {
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  let touched = false;
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (!name.startsWith('@backstage/')) continue;
      const version = versions.get(name);
      if (!version) {
        missing.add(name);
        continue;
      }
      const wanted = `^${version}`;
      if (range !== wanted && range !== '*') {
        pkg[field][name] = wanted;
        touched = true;
        changed += 1;
      }
    }
  }
  if (touched) writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}
const backstageJson = join(ROOT, 'backstage.json');
writeFileSync(
  backstageJson,
  `${JSON.stringify({ version: manifest.releaseVersion }, null, 2)}\n`,
);
console.log(
  `Backstage ${manifest.releaseVersion}: ${changed} dependency range(s) changed.`,
);
if (missing.size > 0) {
  console.log(
    `Not in the release manifest (left as they are): ${[...missing].join(
      ', ',
    )}`,
  );
}
console.log('Next: npm install && npm run check && npm test');
