import { ChangelogSection } from './changelog';
import { DriftStatus } from './versions';

/**
 * GET /api/template-updates/entities/:kind/:namespace/:name/drift
 *
 * @public
 */
export interface TemplateDrift {
  entityRef: string;
  /** `spec.scaffoldedFrom`. */
  templateRef: string;
  /** The template's title, when the template is in the catalog. */
  templateTitle?: string;
  /** The version the service was made from (its annotation). */
  madeFrom: string;
  /** The template's current version; undefined when the template is gone or unversioned. */
  current?: string;
  status: DriftStatus;
  /** CHANGELOG.md sections in (madeFrom, current], newest first. */
  changes: ChangelogSection[];
  /** Why `changes` is empty although the service is behind (no changelog, unreadable). */
  changelogProblem?: string;
  /** The template that updates the service, when the template names one. */
  updateTemplateRef?: string;
}

/**
 * One file of a comparison of two branches.
 *
 * @public
 */
export interface BranchDiffFile {
  path: string;
  status: 'added' | 'deleted' | 'modified';
  /** Unified diff; absent for binary or very large files. */
  patch?: string;
  /** Whether the file on the head branch still holds merge conflict markers. */
  conflicted: boolean;
}

/**
 * GET /api/template-updates/local/:repository/compare?base=&head=
 *
 * @public
 */
export interface BranchComparison {
  repository: string;
  base: string;
  head: string;
  headCommit: { oid: string; message: string };
  files: BranchDiffFile[];
}
