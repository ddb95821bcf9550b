import { Entity } from '@backstage/catalog-model';
import {
  ChangelogSection,
  parseChangelog,
} from '@fastify-backstage/plugin-template-updates-common';
import { readTemplateFile, TemplateFilesOptions } from './templateFiles';

/**
 * A template's CHANGELOG.md sections, or why there are none.
 *
 * @public
 */
export type TemplateChangelog =
  | { sections: ChangelogSection[]; problem?: undefined }
  | { sections: []; problem: string };

/**
 * Reads and parses the CHANGELOG.md beside a template's template.yaml.
 *
 * @public
 */
export async function readTemplateChangelog(
  template: Entity,
  options: TemplateFilesOptions,
): Promise<TemplateChangelog> {
  let content: Buffer | undefined;
  try {
    content = await readTemplateFile(template, 'CHANGELOG.md', options);
  } catch (e) {
    return {
      sections: [],
      problem: `The template's CHANGELOG.md could not be read: ${
        (e as Error).message
      }`,
    };
  }
  if (!content) {
    return {
      sections: [],
      problem: 'The template has no CHANGELOG.md beside its template.yaml',
    };
  }
  return { sections: parseChangelog(content.toString('utf8')) };
}
