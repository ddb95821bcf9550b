#!/usr/bin/env node
// The Fastify service template's version: `backstage.io/template-version` in template.yaml, the
// skeleton's content hash recorded beside it (`template-updates.io/skeleton-sha256`) and one
// CHANGELOG.md section per version. Created services record the version they were made from, and
// an update merges the changes between two versions, so a skeleton change without a new version
// would reach nobody.
//
//   node scripts/template-version.mjs check
//       fails when the skeleton's files differ from the recorded hash (or the changelog has no
//       section for the current version); part of `npm run check`.
//   node scripts/template-version.mjs bump [--minor|--major] "<one line for the changelog>" ...
//       next patch (or minor/major) version, the skeleton's hash, and a new changelog section
//       with one bullet per argument. `npm run template:bump -- "Fix X"` is the usual call.
//
// TEMPLATE_DIR points both at another template folder (the tests use a copy).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const VERSION_ANNOTATION = 'backstage.io/template-version';
export const HASH_ANNOTATION = 'template-updates.io/skeleton-sha256';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The skeleton's files as a clone has them: tracked or new but not ignored (what `fetch:template`
 * renders and a publisher commits), sorted, POSIX paths relative to the skeleton.
 */
function skeletonFiles(skeletonDir) {
  let out;
  try {
    out = execFileSync(
      'git',
      [
        'ls-files',
        '-z',
        '--cached',
        '--others',
        '--exclude-standard',
        '--',
        '.',
      ],
      { cwd: skeletonDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    throw new Error(
      `cannot list the skeleton's files with git in ${skeletonDir}: ${error.message}`,
    );
  }
  const files = [...new Set(out.split('\0').filter(Boolean))]
    // deleted but not yet staged files are listed as cached
    .filter(rel => existsSync(join(skeletonDir, rel)))
    .sort();
  return files;
}

/** sha256 over every file's path, executable bit and content. */
export function skeletonHash(skeletonDir) {
  const hash = createHash('sha256');
  for (const rel of skeletonFiles(skeletonDir)) {
    const abs = join(skeletonDir, rel);
    const executable = (statSync(abs).mode & 0o111) !== 0;
    const content = createHash('sha256')
      .update(readFileSync(abs))
      .digest('hex');
    hash.update(`${rel}\0${executable ? '755' : '644'}\0${content}\n`);
  }
  return hash.digest('hex');
}

function annotationPattern(key) {
  return new RegExp(
    `^(\\s+${key.replace(/[.\\/]/g, '\\$&')}:\\s*)['"]?([^'"\\s#]+)['"]?\\s*$`,
    'm',
  );
}

function readAnnotation(text, key, file) {
  const match = annotationPattern(key).exec(text);
  if (!match) {
    throw new Error(`${file} has no '${key}' annotation`);
  }
  return match[2];
}

function writeAnnotation(text, key, value) {
  return text.replace(
    annotationPattern(key),
    (_, prefix) => `${prefix}${value}`,
  );
}

function nextVersion(version, level) {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) {
    throw new Error(
      `the template version '${version}' is not MAJOR.MINOR.PATCH`,
    );
  }
  const [major, minor, patch] = match.slice(1).map(Number);
  if (level === 'major') return `${major + 1}.0.0`;
  if (level === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

function changelogVersions(text) {
  return [...text.matchAll(/^## \[?(\d+\.\d+\.\d+)\]?/gm)].map(m => m[1]);
}

function paths(templateDir) {
  return {
    templateFile: join(templateDir, 'template.yaml'),
    changelogFile: join(templateDir, 'CHANGELOG.md'),
    skeletonDir: join(templateDir, 'skeleton'),
  };
}

export function check(templateDir) {
  const { templateFile, changelogFile, skeletonDir } = paths(templateDir);
  const text = readFileSync(templateFile, 'utf8');
  const version = readAnnotation(text, VERSION_ANNOTATION, templateFile);
  const recorded = readAnnotation(text, HASH_ANNOTATION, templateFile);
  const problems = [];
  const actual = skeletonHash(skeletonDir);
  if (actual !== recorded) {
    problems.push(
      `the skeleton changed since version ${version} was recorded (hash ${actual.slice(
        0,
        12,
      )}…, recorded ${recorded.slice(
        0,
        12,
      )}…). Created services are updated from one version to the next, so every skeleton change needs a new version: run\n    npm run template:bump -- "<what changed, one line for the changelog>"`,
    );
  }
  const versions = existsSync(changelogFile)
    ? changelogVersions(readFileSync(changelogFile, 'utf8'))
    : [];
  if (versions[0] !== version) {
    problems.push(
      `${relative(
        ROOT,
        changelogFile,
      )} must start with a section for ${version} ("## ${version} - <date>"); its first section is ${
        versions[0] ?? 'missing'
      }`,
    );
  }
  return { version, problems };
}

export function bump(templateDir, level, lines, today = new Date()) {
  const { templateFile, changelogFile, skeletonDir } = paths(templateDir);
  if (!lines.length || lines.some(line => !line.trim())) {
    throw new Error(
      'say what changed: npm run template:bump -- "<one line for the changelog>"',
    );
  }
  const text = readFileSync(templateFile, 'utf8');
  const version = nextVersion(
    readAnnotation(text, VERSION_ANNOTATION, templateFile),
    level,
  );
  readAnnotation(text, HASH_ANNOTATION, templateFile);
  writeFileSync(
    templateFile,
    writeAnnotation(
      writeAnnotation(text, VERSION_ANNOTATION, version),
      HASH_ANNOTATION,
      skeletonHash(skeletonDir),
    ),
  );
  const changelog = existsSync(changelogFile)
    ? readFileSync(changelogFile, 'utf8')
    : '# Changelog\n';
  const section = `## ${version} - ${today
    .toISOString()
    .slice(0, 10)}\n\n${lines.map(line => `- ${line.trim()}`).join('\n')}\n\n`;
  const first = changelog.search(/^## /m);
  writeFileSync(
    changelogFile,
    first === -1
      ? `${changelog.trimEnd()}\n\n${section}`
      : `${changelog.slice(0, first)}${section}${changelog.slice(first)}`,
  );
  return version;
}

function main(argv) {
  const templateDir = resolve(
    process.env.TEMPLATE_DIR ?? join(ROOT, 'templates/fastify-service'),
  );
  const [command, ...rest] = argv;
  if (command === 'check') {
    const { version, problems } = check(templateDir);
    if (problems.length) {
      for (const problem of problems)
        console.error(`template-version: ${problem}`);
      return 1;
    }
    console.log(`template-version: ${version}, skeleton unchanged since`);
    return 0;
  }
  if (command === 'bump') {
    const level = rest.includes('--major')
      ? 'major'
      : rest.includes('--minor')
      ? 'minor'
      : 'patch';
    const lines = rest.filter(arg => !arg.startsWith('--'));
    const version = bump(templateDir, level, lines);
    console.log(
      `template-version: now ${version}; commit template.yaml and CHANGELOG.md with the skeleton change`,
    );
    return 0;
  }
  console.error(
    'usage: template-version.mjs check | bump [--minor|--major] "<changelog line>" ...',
  );
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`template-version: ${error.message}`);
    process.exitCode = 1;
  }
}
