import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import {
  BranchComparison,
  TemplateDrift,
} from '@fastify-backstage/plugin-template-updates-common';

/**
 * The template-updates backend (`/api/template-updates`).
 *
 * @public
 */
export interface TemplateUpdatesApi {
  /** How far an entity is behind the template it was made from. */
  getDrift(entity: CompoundEntityRef): Promise<TemplateDrift>;
  /** What an update branch of a local repository changes. */
  compareLocalBranches(options: {
    repository: string;
    base: string;
    head: string;
  }): Promise<BranchComparison>;
}

/** @public */
export const templateUpdatesApiRef = createApiRef<TemplateUpdatesApi>({
  id: 'plugin.template-updates.api',
});
