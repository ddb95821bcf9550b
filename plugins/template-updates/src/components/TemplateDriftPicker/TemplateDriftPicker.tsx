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

/** The picker's choices; 'all' sets no filter. */
export type TemplateDriftChoice = 'all' | 'behind' | 'current';

/**
 * Keeps catalog entities made from a versioned template by how they stand
 * against the template's current version (`templateVersions`: template ref to
 * version).
 *
 * @public
 */
export class TemplateDriftFilter implements EntityFilter {
  constructor(
    readonly value: Exclude<TemplateDriftChoice, 'all'>,
    readonly templateVersions: ReadonlyMap<string, string>,
  ) {}

  /** Where an entity stands; undefined for entities not made from a versioned template. */
  statusOf(entity: Entity): DriftStatus | undefined {
    const templateRef = getScaffoldedFrom(entity);
    const version = getEntityTemplateVersion(entity);
    if (!templateRef || !version) return undefined;
    return driftStatus(version, this.templateVersions.get(templateRef));
  }

  filterEntity(entity: Entity): boolean {
    return this.statusOf(entity) === this.value;
  }

  toQueryValue(): string {
    return this.value;
  }
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
  const { value: templateVersions } = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'Template' },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'metadata.annotations',
      ],
    });
    const versions = new Map<string, string>();
    for (const template of items) {
      const version = getTemplateVersion(template);
      if (version) versions.set(stringifyEntityRef(template), version);
    }
    return versions;
  }, [catalogApi]);

  const fromQuery = [queryParameters.templateDrift].flat()[0];
  const selected: TemplateDriftChoice =
    filters.templateDrift?.value ??
    (fromQuery === 'behind' || fromQuery === 'current' ? fromQuery : 'all');

  useEffect(() => {
    if (!templateVersions) return;
    updateFilters({
      templateDrift:
        selected === 'all'
          ? undefined
          : new TemplateDriftFilter(selected, templateVersions),
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [templateVersions]);

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
        onChange={value => {
          if (!templateVersions) return;
          updateFilters({
            templateDrift:
              value === 'all'
                ? undefined
                : new TemplateDriftFilter(
                    value as Exclude<TemplateDriftChoice, 'all'>,
                    templateVersions,
                  ),
          });
        }}
      />
    </Box>
  );
}
