import {
  BackstageCredentials,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  changesBetween,
  driftStatus,
  getEntityTemplateVersion,
  getScaffoldedFrom,
  getTemplateVersion,
  TemplateDrift,
  UPDATE_TEMPLATE_ANNOTATION,
} from '@fastify-backstage/plugin-template-updates-common';
import { readTemplateChangelog } from '@fastify-backstage/plugin-template-updates-node';

/**
 * How far a created entity is behind the template it was made from: the
 * version it records, the template's version now, and the changelog sections
 * in between. The template is read with the caller's credentials, so someone
 * who may not see the template sees no version or changes either.
 */
export async function readTemplateDrift(options: {
  entity: Entity;
  catalog: CatalogService;
  urlReader: UrlReaderService;
  credentials: BackstageCredentials;
}): Promise<TemplateDrift> {
  const { entity } = options;
  const entityRef = stringifyEntityRef(entity);
  const templateRef = getScaffoldedFrom(entity);
  const madeFrom = getEntityTemplateVersion(entity);
  if (!templateRef || !madeFrom) {
    throw new InputError(
      `${entityRef} records no template version (spec.scaffoldedFrom and the template-updates.io/template-version annotation)`,
    );
  }
  const template = await options.catalog.getEntityByRef(templateRef, {
    credentials: options.credentials,
  });
  const current = template ? getTemplateVersion(template) : undefined;
  const status = driftStatus(madeFrom, current);
  const drift: TemplateDrift = {
    entityRef,
    templateRef,
    templateTitle: template?.metadata.title,
    madeFrom,
    current,
    status,
    changes: [],
    updateTemplateRef:
      template?.metadata.annotations?.[UPDATE_TEMPLATE_ANNOTATION],
  };
  if (template && status === 'behind' && current) {
    const changelog = await readTemplateChangelog(template, {
      urlReader: options.urlReader,
    });
    drift.changes = changesBetween(changelog.sections, madeFrom, current);
    if (changelog.problem) drift.changelogProblem = changelog.problem;
    else if (!drift.changes.length) {
      drift.changelogProblem = `The template's CHANGELOG.md has no sections after ${madeFrom}`;
    }
  }
  return drift;
}
