import {
  resolveSafeChildPath,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_SOURCE_LOCATION,
  Entity,
  parseLocationRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Never part of a template: what a developer installed or the VCS keeps. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);

/**
 * A template folder larger than this is refused rather than read into memory.
 *
 * @public
 */
export const MAX_TEMPLATE_BYTES = 32 * 1024 * 1024;

/**
 * One file of a template folder.
 *
 * @public
 */
export interface TemplateFile {
  /** POSIX path relative to the folder of template.yaml. */
  path: string;
  content: Buffer;
  executable: boolean;
}

/**
 * The URL of a template's own file (template.yaml), as the scaffolder computes
 * it for `fetch:template`'s relative paths: the source location, else the
 * location the catalog read it from. `file:` locations become file URLs.
 *
 * @public
 */
export function templateBaseUrl(template: Entity): string {
  const annotations = template.metadata.annotations ?? {};
  const location =
    annotations[ANNOTATION_SOURCE_LOCATION] ?? annotations[ANNOTATION_LOCATION];
  if (!location) {
    throw new InputError(
      `Template ${template.metadata.name} has no location annotation; cannot read its files`,
    );
  }
  const { type, target } = parseLocationRef(location);
  if (type === 'url') return target;
  if (type === 'file') return pathToFileURL(target).href;
  throw new InputError(
    `Template ${template.metadata.name} comes from a '${type}' location; only url and file locations can be read`,
  );
}

/**
 * Options for reading a template's files.
 *
 * @public
 */
export interface TemplateFilesOptions {
  urlReader: UrlReaderService;
}

/**
 * Reads one file beside a template's template.yaml (e.g. CHANGELOG.md).
 * Undefined when it does not exist.
 *
 * @public
 */
export async function readTemplateFile(
  template: Entity,
  relativePath: string,
  options: TemplateFilesOptions,
): Promise<Buffer | undefined> {
  const url = new URL(relativePath, templateBaseUrl(template));
  if (url.protocol === 'file:') {
    const dir = path.dirname(fileURLToPath(templateBaseUrl(template)));
    try {
      return await fs.readFile(resolveSafeChildPath(dir, relativePath));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
  try {
    const response = await options.urlReader.readUrl(url.toString());
    return await response.buffer();
  } catch (e) {
    if ((e as Error).name === NotFoundError.name) return undefined;
    throw e;
  }
}

/**
 * Reads every file of a template's folder (template.yaml's folder, without
 * node_modules and .git): what the scaffolder's dry run needs to render it.
 *
 * @public
 */
export async function readTemplateDirectory(
  template: Entity,
  options: TemplateFilesOptions,
): Promise<TemplateFile[]> {
  const base = new URL('./', templateBaseUrl(template));
  const files: TemplateFile[] = [];
  let total = 0;
  const add = (file: TemplateFile) => {
    total += file.content.length;
    if (total > MAX_TEMPLATE_BYTES) {
      throw new InputError(
        `The template folder ${base} holds more than ${
          MAX_TEMPLATE_BYTES / 1024 / 1024
        } MiB; is a node_modules or build folder in it?`,
      );
    }
    files.push(file);
  };
  if (base.protocol === 'file:') {
    const root = fileURLToPath(base);
    const walk = async (rel: string) => {
      const entries = await fs.readdir(path.join(root, rel), {
        withFileTypes: true,
      });
      for (const entry of entries) {
        const childRel = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(childRel);
        } else if (entry.isFile()) {
          const abs = path.join(root, childRel);
          const [content, stat] = await Promise.all([
            fs.readFile(abs),
            fs.stat(abs),
          ]);
          add({
            path: childRel,
            content,
            executable: (stat.mode & 0o111) !== 0,
          });
        }
      }
    };
    await walk('');
  } else {
    const tree = await options.urlReader.readTree(base.toString(), {
      filter: p =>
        !p.split('/').some(segment => SKIPPED_DIRECTORIES.has(segment)),
    });
    for (const file of await tree.files()) {
      // URL readers do not report file modes; scripts get theirs from the template's steps.
      add({
        path: file.path,
        content: await file.content(),
        executable: false,
      });
    }
  }
  return files.sort((a, b) => a.path.localeCompare(b.path, 'en'));
}
