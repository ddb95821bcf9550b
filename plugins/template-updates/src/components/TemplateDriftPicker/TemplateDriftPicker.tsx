import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Select } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  DefaultEntityFilters,
  EntityFilter,
  useEntityList,
} from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import {
  driftStatus,
  DriftStatus,
  getEntityTemplateVersion,
  getScaffoldedFrom,
  getTemplateVersion,
} from '@fastify-backstage/plugin-template-updates-common';
import { useEffect, useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';

/**
 * The picker's choices; 'all' sets no filter.
 *
 * @public
 */
export type TemplateDriftChoice = 'all' | 'behind' | 'current';

/** Matches no entity: a uid no entity has. */
const NO_ENTITY = 'template-updates:none';

/**
 * Keeps the catalog entities (by uid) that stand in one way against the
 * template they were made from. A backend filter, so that the catalog's
 * counts and pages are right; {@link classifyByDrift} finds the uids.
 *
 * @public
 */
export class TemplateDriftFilter implements EntityFilter {
  private readonly uidSet: ReadonlySet<string>;

  constructor(
    readonly value: Exclude<TemplateDriftChoice, 'all'>,
    readonly uids: string[],
  ) {
    this.uidSet = new Set(uids);
  }

  getCatalogFilters(): Record<string, string[]> {
    return { 'metadata.uid': this.uids.length ? this.uids : [NO_ENTITY] };
  }

  filterEntity(entity: Entity): boolean {
    return this.uidSet.has(entity.metadata.uid ?? '');
  }

  toQueryValue(): string {
    return this.value;
  }
}

/**
 * The uids of entities made from a versioned template, by how they stand
 * against its current version (`templateVersions`: template ref to version).
 *
 * @public
 */
export function classifyByDrift(
  entities: Entity[],
  templateVersions: ReadonlyMap<string, string>,
): Record<DriftStatus, string[]> {
  const out: Record<DriftStatus, string[]> = {
    behind: [],
    current: [],
    ahead: [],
    unknown: [],
  };
  for (const entity of entities) {
    const templateRef = getScaffoldedFrom(entity);
    const version = getEntityTemplateVersion(entity);
    if (!templateRef || !version || !entity.metadata.uid) continue;
    out[driftStatus(version, templateVersions.get(templateRef))].push(
      entity.metadata.uid,
    );
  }
  return out;
}

/** @public */
export type TemplateDriftFilters = DefaultEntityFilters & {
  templateDrift?: TemplateDriftFilter;
};

/**
 * A catalog filter: all entities, those behind the template they were made
 * from, or those at its current version. The template versions come from the
 * catalog's Template entities.
 *
 * @public
 */
export function TemplateDriftPicker() {
  const catalogApi = useApi(catalogApiRef);
  const { filters, updateFilters, queryParameters } =
    useEntityList<TemplateDriftFilters>();
  const { value: byDrift } = useAsync(async () => {
    const [templates, made] = await Promise.all([
      catalogApi.getEntities({
        filter: { kind: 'Template' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
        ],
      }),
      catalogApi.getEntities({
        filter: { 'spec.scaffoldedFrom': CATALOG_FILTER_EXISTS },
        fields: [
          'kind',
          'metadata.uid',
          'metadata.name',
          'metadata.namespace',
          'metadata.annotations',
          'spec.scaffoldedFrom',
        ],
      }),
    ]);
    const versions = new Map<string, string>();
    for (const template of templates.items) {
      const version = getTemplateVersion(template);
      if (version) versions.set(stringifyEntityRef(template), version);
    }
    return classifyByDrift(made.items, versions);
  }, [catalogApi]);
  const filterFor = (choice: TemplateDriftChoice) =>
    choice === 'all' || !byDrift
      ? undefined
      : new TemplateDriftFilter(choice, byDrift[choice]);

  const fromQuery = [queryParameters.templateDrift].flat()[0];
  const selected: TemplateDriftChoice =
    filters.templateDrift?.value ??
    (fromQuery === 'behind' || fromQuery === 'current' ? fromQuery : 'all');

  useEffect(() => {
    if (byDrift) updateFilters({ templateDrift: filterFor(selected) });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [byDrift]);

  const items = useMemo(
    () => [
      { label: 'All', value: 'all' },
      { label: 'Behind their template', value: 'behind' },
      { label: 'At the template version', value: 'current' },
    ],
    [],
  );

  return (
    <Box pb={1} pt={1}>
      <Select
        label="Template version"
        items={items}
        selected={selected}
        onChange={value =>
          updateFilters({
            templateDrift: filterFor(value as TemplateDriftChoice),
          })
        }
      />
    </Box>
  );
}
