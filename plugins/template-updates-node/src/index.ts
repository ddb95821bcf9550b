/**
 * Node helpers of template updates: read a registered template's files (to
 * render it again) and its changelog, from the location the catalog read it
 * from.
 *
 * @packageDocumentation
 */
export {
  MAX_TEMPLATE_BYTES,
  readTemplateDirectory,
  readTemplateFile,
  templateBaseUrl,
} from './templateFiles';
export type { TemplateFile, TemplateFilesOptions } from './templateFiles';
export { readTemplateChangelog } from './changelog';
export type { TemplateChangelog } from './changelog';
