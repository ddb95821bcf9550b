import git from 'isomorphic-git';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The repository root (this file is plugins/scaffolder-backend-module-fastify/src/__testUtils__). */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const TEMPLATE_FILE = path.join(
  REPO_ROOT,
  'templates/fastify-service/template.yaml',
);
/** The skeleton; FASTIFY_TEMPLATE_SKELETON points the template tests at another one (e.g. a small fixture). */
export const SKELETON_DIR = process.env.FASTIFY_TEMPLATE_SKELETON
  ? path.resolve(process.env.FASTIFY_TEMPLATE_SKELETON)
  : path.join(REPO_ROOT, 'templates/fastify-service/skeleton');

const ALWAYS_SKIPPED = new Set(['node_modules', 'dist', 'coverage', '.git']);

/**
 * The skeleton's files as a fresh clone has them: without what its
 * .gitignore excludes (node_modules, dist, ...), whatever a developer has
 * built or installed in the working copy.
 */
export async function listSkeletonFiles(dir = SKELETON_DIR): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string) {
    for (const d of fs.readdirSync(path.join(dir, rel), {
      withFileTypes: true,
    })) {
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      if (ALWAYS_SKIPPED.has(d.name)) continue;
      if (
        await git.isIgnored({
          fs,
          dir,
          gitdir: path.join(dir, '.git'),
          filepath: childRel,
        })
      )
        continue;
      if (d.isDirectory()) await walk(childRel);
      else if (d.isFile()) out.push(childRel);
    }
  }
  await walk('');
  return out.sort();
}

/**
 * Copies the template, its changelog and a clean skeleton (as a fresh clone has them) into
 * `<dest>/templates/fastify-service/{template.yaml,CHANGELOG.md,skeleton/}`, so tests run the
 * template from a file location without a developer's node_modules or dist.
 */
export async function copyTemplateSources(dest: string): Promise<string> {
  const templateDir = path.join(dest, 'templates/fastify-service');
  const templateDest = path.join(templateDir, 'template.yaml');
  fs.mkdirSync(templateDir, { recursive: true });
  fs.copyFileSync(TEMPLATE_FILE, templateDest);
  fs.copyFileSync(
    path.join(path.dirname(TEMPLATE_FILE), 'CHANGELOG.md'),
    path.join(templateDir, 'CHANGELOG.md'),
  );
  for (const rel of await listSkeletonFiles()) {
    const target = path.join(templateDir, 'skeleton', rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(SKELETON_DIR, rel), target);
    fs.chmodSync(target, fs.statSync(path.join(SKELETON_DIR, rel)).mode);
  }
  return templateDest;
}

/** Copies the "Update a Fastify service" template to `<dest>/templates/fastify-service-update/template.yaml`. */
export function copyUpdateTemplate(dest: string): string {
  const target = path.join(
    dest,
    'templates/fastify-service-update/template.yaml',
  );
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(
    path.join(REPO_ROOT, 'templates/fastify-service-update/template.yaml'),
    target,
  );
  return target;
}

/** The template's fetch:template url. */
export function skeletonUrl(): string {
  const template = loadTemplate();
  return template.spec.steps.find((s: any) => s.action === 'fetch:template')
    .input.url;
}

export function loadTemplate(): any {
  return parse(fs.readFileSync(TEMPLATE_FILE, 'utf8'));
}

/**
 * The body of a dry-run request: the template and its clean skeleton files
 * (the dry-run API only sees the files it is sent).
 */
export async function dryRunDirectoryContents(): Promise<{
  template: any;
  directoryContents: Array<{ path: string; base64Content: string }>;
}> {
  const template = loadTemplate();
  const directoryContents = (await listSkeletonFiles()).map(rel => ({
    path: `skeleton/${rel}`,
    base64Content: fs
      .readFileSync(path.join(SKELETON_DIR, rel))
      .toString('base64'),
  }));
  directoryContents.push({
    path: 'template.yaml',
    base64Content: Buffer.from(JSON.stringify(template)).toString('base64'),
  });
  return { template, directoryContents };
}
