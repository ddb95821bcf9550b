import { Entity, parseEntityRef } from '@backstage/catalog-model';

/**
 * On a Template: its version, MAJOR.MINOR.PATCH (the scaffolder-relation-processor reads it too).
 *
 * @public
 */
export const TEMPLATE_VERSION_ANNOTATION = 'backstage.io/template-version';

/**
 * On a Template: sha256 of its skeleton's files when the version was recorded.
 *
 * @public
 */
export const SKELETON_HASH_ANNOTATION = 'template-updates.io/skeleton-sha256';

/**
 * On a Template: the template that updates services made from it (default: none offered).
 *
 * @public
 */
export const UPDATE_TEMPLATE_ANNOTATION = 'template-updates.io/update-template';

/**
 * On a created entity: the template version its repository was last rendered from.
 *
 * @public
 */
export const ENTITY_TEMPLATE_VERSION_ANNOTATION =
  'template-updates.io/template-version';

/**
 * In a created repository: what it was made from (see {@link TemplateRecord}).
 *
 * @public
 */
export const TEMPLATE_RECORD_PATH = '.backstage/template.json';

/**
 * In a created repository: the branch holding the pristine render, the merge base of updates.
 *
 * @public
 */
export const TEMPLATE_BRANCH = 'template';

/**
 * What a created repository records about its making, in
 * {@link TEMPLATE_RECORD_PATH}: enough to render the same template again.
 *
 * @public
 */
export interface TemplateRecord {
  /** The template, e.g. `template:default/fastify-service`. */
  templateRef: string;
  /** Its version at the last render. */
  version: string;
  /** The form answers, without secrets. */
  parameters: Record<string, unknown>;
}

/**
 * `spec.scaffoldedFrom` as a full template ref, or undefined.
 *
 * @public
 */
export function getScaffoldedFrom(entity: Entity): string | undefined {
  const value = (entity.spec as Record<string, unknown> | undefined)
    ?.scaffoldedFrom;
  if (typeof value !== 'string' || !value) return undefined;
  try {
    const ref = parseEntityRef(value, {
      defaultKind: 'template',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    });
    return `${ref.kind.toLocaleLowerCase('en-US')}:${ref.namespace}/${
      ref.name
    }`;
  } catch {
    return undefined;
  }
}

/**
 * The template version a created entity was made from, or undefined.
 *
 * @public
 */
export function getEntityTemplateVersion(entity: Entity): string | undefined {
  return entity.metadata.annotations?.[ENTITY_TEMPLATE_VERSION_ANNOTATION];
}

/**
 * A template's own version, or undefined.
 *
 * @public
 */
export function getTemplateVersion(template: Entity): string | undefined {
  return template.metadata.annotations?.[TEMPLATE_VERSION_ANNOTATION];
}

/**
 * Whether an entity says which template (and version) made it.
 *
 * @public
 */
export function isScaffoldedEntity(entity: Entity): boolean {
  return Boolean(getScaffoldedFrom(entity) && getEntityTemplateVersion(entity));
}
