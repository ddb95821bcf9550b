import { InputError } from '@backstage/errors';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import {
  FeatureChoice,
  FeatureManifest,
  parseFeatureManifest,
  resolveFeatureChoices,
} from './manifest';
import { applyFeatureRegions, hasFeatureMarkers } from './regions';
import { OPENAPI_DOCUMENT, pruneOpenApiDocument } from './openapi';
import { Lockfile, pruneLegacyLockEntries, pruneLockfile } from './lockfile';

/** Directories never scanned or touched. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);
/** Larger files are not scanned for markers. */
const MAX_TEXT_FILE_BYTES = 5 * 1024 * 1024;

/** @public */
export interface ApplyFeaturesOptions {
  /** The project root (where package.json and the manifest live). */
  dir: string;
  /** Manifest path relative to `dir`. Default `features.json`. */
  manifestPath?: string;
  /** The template's choices: feature name to boolean or variant ('none' = off). */
  choices: Record<string, FeatureChoice>;
}

/** @public */
export interface ApplyFeaturesResult {
  enabled: string[];
  disabled: string[];
  /** Paths (relative to `dir`, POSIX separators) of deleted files, including the manifest. */
  deletedFiles: string[];
  /** Paths of files whose feature regions were applied. */
  editedFiles: string[];
  removedDependencies: string[];
  removedScripts: string[];
  /** Lockfile package entries dropped because nothing needs them any more. */
  prunedLockfileEntries: number;
  /** Non-fatal findings, e.g. manifest entries that matched nothing. */
  warnings: string[];
}

type Entry = { rel: string; abs: string };

async function listFiles(root: string): Promise<Entry[]> {
  const result: Entry[] = [];
  async function walk(absDir: string, relDir: string) {
    const dirents = await fs.readdir(absDir, { withFileTypes: true });
    for (const dirent of dirents) {
      const rel = relDir ? `${relDir}/${dirent.name}` : dirent.name;
      const abs = path.join(absDir, dirent.name);
      if (dirent.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(dirent.name)) await walk(abs, rel);
      } else {
        result.push({ rel, abs });
      }
    }
  }
  await walk(root, '');
  return result.sort((a, b) => a.rel.localeCompare(b.rel));
}

function matchesAny(rel: string, globs: string[]): boolean {
  return globs.some(
    glob =>
      minimatch(rel, glob, { dot: true }) ||
      minimatch(rel, `${glob.replace(/\/+$/, '')}/**`, { dot: true }),
  );
}

function isBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8000).includes(0);
}

function detectIndent(text: string): string | number {
  const match = /^[{[]\r?\n([ \t]+)\S/.exec(text);
  return match ? match[1] : 2;
}

async function readManifest(
  file: string,
  rel: string,
): Promise<FeatureManifest> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(
        `Feature manifest '${rel}' not found in the workspace; the skeleton must contain it (or set manifestPath)`,
      );
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      `Feature manifest '${rel}' is not valid JSON: ${(e as Error).message}`,
    );
  }
  return parseFeatureManifest(json, rel);
}

/**
 * Applies feature choices to a rendered project, following the contract:
 * for every feature not chosen, delete its files, its package.json
 * dependencies, devDependencies and scripts, its part of openapi.json (paths,
 * responses, security schemes) and its `#region feature:` blocks in every text
 * file; for chosen features drop only the marker lines; then
 * delete the manifest. The package-lock.json, when present, is pruned to
 * match. Everything is validated and computed before the first write, so an
 * error leaves the project untouched.
 *
 * @public
 */
export async function applyFeatures(
  options: ApplyFeaturesOptions,
): Promise<ApplyFeaturesResult> {
  const dir = path.resolve(options.dir);
  const manifestRel = (options.manifestPath ?? 'features.json').replace(
    /\\/g,
    '/',
  );
  if (path.isAbsolute(manifestRel) || manifestRel.split('/').includes('..')) {
    throw new InputError(
      `manifestPath '${manifestRel}' must be a relative path inside the project`,
    );
  }
  const manifest = await readManifest(path.join(dir, manifestRel), manifestRel);
  const enabled = resolveFeatureChoices(manifest, options.choices);
  const known = new Set(Object.keys(manifest));
  const disabled = [...known].filter(n => !enabled.has(n));
  const warnings: string[] = [];

  // 1. files of features not chosen
  const files = await listFiles(dir);
  const toDelete = new Set<string>([manifestRel]);
  for (const name of disabled) {
    for (const glob of manifest[name].files) {
      const matched = files.filter(f => matchesAny(f.rel, [glob]));
      if (!matched.length) {
        warnings.push(
          `features.json: '${name}.files' entry '${glob}' matched no file`,
        );
      }
      matched.forEach(f => toDelete.add(f.rel));
    }
  }

  // 2. package.json (+ lockfile)
  const writes = new Map<string, string>();
  const removedDependencies: string[] = [];
  const removedScripts: string[] = [];
  let prunedLockfileEntries = 0;
  const removedDeps = disabled.flatMap(n => manifest[n].dependencies);
  const removedDevDeps = disabled.flatMap(n => manifest[n].devDependencies);
  const scripts = disabled.flatMap(n => manifest[n].scripts);
  if (removedDeps.length + removedDevDeps.length + scripts.length > 0) {
    const pkgPath = path.join(dir, 'package.json');
    let pkgText: string;
    try {
      pkgText = await fs.readFile(pkgPath, 'utf8');
    } catch {
      throw new InputError(
        `The manifest removes dependencies or scripts, but the project has no package.json`,
      );
    }
    let pkg: Record<string, Record<string, string> | unknown>;
    try {
      pkg = JSON.parse(pkgText);
    } catch (e) {
      throw new InputError(
        `package.json is not valid JSON: ${(e as Error).message}`,
      );
    }
    const remove = (section: string, names: string[], into: string[]) => {
      const record = pkg[section] as Record<string, string> | undefined;
      for (const name of names) {
        if (record && name in record) {
          delete record[name];
          into.push(section === 'scripts' ? name : `${name} (${section})`);
        } else {
          warnings.push(
            `package.json has no ${section} entry '${name}' to remove`,
          );
        }
      }
    };
    remove('dependencies', removedDeps, removedDependencies);
    remove('devDependencies', removedDevDeps, removedDependencies);
    remove('scripts', scripts, removedScripts);
    for (const name of removedDeps) {
      delete (pkg.optionalDependencies as Record<string, string> | undefined)?.[
        name
      ];
      delete (pkg.peerDependencies as Record<string, string> | undefined)?.[
        name
      ];
    }
    writes.set(
      'package.json',
      `${JSON.stringify(pkg, null, detectIndent(pkgText))}\n`,
    );

    const lockPath = path.join(dir, 'package-lock.json');
    const lockText = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (lockText !== undefined && !toDelete.has('package-lock.json')) {
      try {
        const lock = JSON.parse(lockText) as Lockfile;
        prunedLockfileEntries = pruneLockfile(lock, {
          dependencies: removedDeps,
          devDependencies: removedDevDeps,
        });
        pruneLegacyLockEntries(lock);
        writes.set(
          'package-lock.json',
          `${JSON.stringify(lock, null, detectIndent(lockText))}\n`,
        );
      } catch (e) {
        warnings.push(`package-lock.json not pruned: ${(e as Error).message}`);
      }
    }
  }

  // 2b. the OpenAPI document: the paths, responses and security schemes of features not chosen
  const openapiParts = disabled.map(n => manifest[n].openapi);
  if (
    openapiParts.some(
      p => p.paths.length + p.responses.length + p.securitySchemes.length > 0,
    ) &&
    !toDelete.has(OPENAPI_DOCUMENT)
  ) {
    const text = await fs
      .readFile(path.join(dir, OPENAPI_DOCUMENT), 'utf8')
      .catch(() => undefined);
    if (text === undefined) {
      warnings.push(
        `features.json declares OpenAPI parts, but the project has no ${OPENAPI_DOCUMENT}`,
      );
    } else {
      let pruned: ReturnType<typeof pruneOpenApiDocument>;
      try {
        pruned = pruneOpenApiDocument(text, openapiParts);
      } catch (e) {
        throw new InputError(
          `${OPENAPI_DOCUMENT} is not valid JSON: ${(e as Error).message}`,
        );
      }
      for (const what of pruned.missing) {
        warnings.push(`${OPENAPI_DOCUMENT} has no ${what} to remove`);
      }
      if (pruned.text !== text) writes.set(OPENAPI_DOCUMENT, pruned.text);
    }
  }

  // 3. feature regions in every remaining text file
  const editedFiles: string[] = writes.has(OPENAPI_DOCUMENT)
    ? [OPENAPI_DOCUMENT]
    : [];
  for (const file of files) {
    if (toDelete.has(file.rel)) continue;
    const stat = await fs.lstat(file.abs);
    if (!stat.isFile() || stat.size > MAX_TEXT_FILE_BYTES) continue;
    const pending = writes.get(file.rel);
    let text: string;
    if (pending !== undefined) {
      text = pending;
    } else {
      const buffer = await fs.readFile(file.abs);
      if (isBinary(buffer)) continue;
      text = buffer.toString('utf8');
    }
    if (!hasFeatureMarkers(text)) continue;
    const result = applyFeatureRegions(text, enabled, known, file.rel);
    if (result !== text) {
      writes.set(file.rel, result);
      if (!editedFiles.includes(file.rel)) editedFiles.push(file.rel);
    }
  }

  // everything validated: write
  for (const [rel, content] of writes) {
    const abs = path.join(dir, rel);
    const { mode } = await fs.stat(abs);
    await fs.writeFile(abs, content, { mode });
  }
  const deletedFiles = [...toDelete].sort();
  const parents = new Set<string>();
  for (const rel of deletedFiles) {
    await fs.rm(path.join(dir, rel), { force: true });
    parents.add(path.posix.dirname(rel));
  }
  // remove directories the deletions left empty (deepest first)
  const candidates = new Set<string>();
  for (let p of parents) {
    while (p && p !== '.') {
      candidates.add(p);
      p = path.posix.dirname(p);
    }
  }
  for (const rel of [...candidates].sort((a, b) => b.length - a.length)) {
    const abs = path.join(dir, rel);
    const entries = await fs.readdir(abs).catch(() => undefined);
    if (entries && entries.length === 0) await fs.rmdir(abs);
  }

  return {
    enabled: [...enabled].sort(),
    disabled: disabled.sort(),
    deletedFiles,
    editedFiles: editedFiles.sort(),
    removedDependencies,
    removedScripts,
    prunedLockfileEntries,
    warnings,
  };
}
