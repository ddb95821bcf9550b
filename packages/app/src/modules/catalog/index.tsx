import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { Fragment } from 'react';
import catalogPlugin, {
  CatalogIndexPage,
  CatalogTableColumnsFunc,
} from '@backstage/plugin-catalog/alpha';
import { CatalogTable } from '@backstage/plugin-catalog';
import { createCatalogHealthColumn } from '@fastify-backstage/plugin-service-health';

/** Columns whose values are names: they wrap at no character, the table scrolls instead. */
const NAME_FIELDS = new Set([
  'resolved.entityRef',
  'resolved.partOfSystemRelationTitle',
  'resolved.ownedByRelationsTitle',
  'entity.spec.type',
  'entity.spec.lifecycle',
]);

/**
 * The catalog's own columns, with names kept on one line: a fixed-width
 * table otherwise breaks `scaffolder-backend-module-fastify` into four lines
 * mid-word. Columns a plugin adds (a health status, say) go in this list.
 */
export const catalogColumns: CatalogTableColumnsFunc = context => {
  const columns = CatalogTable.defaultColumnsFunc(context).map(column =>
    typeof column.field === 'string' && NAME_FIELDS.has(column.field)
      ? {
          ...column,
          cellStyle: {
            ...(typeof column.cellStyle === 'object' ? column.cellStyle : {}),
            whiteSpace: 'nowrap',
          },
        }
      : column,
  );
  // Health right after the name, where a wide table does not scroll it out
  // of view; the table's entities in one status request, sortable worst first.
  const name = columns.findIndex(c => c.field === 'resolved.entityRef');
  columns.splice(
    name + 1,
    0,
    createCatalogHealthColumn({ entities: context.entities }),
  );
  return columns;
};

/** The catalog plugin with its index page showing {@link catalogColumns}. */
export const catalogWithColumns = catalogPlugin.withOverrides({
  extensions: [
    catalogPlugin.getExtension('page:catalog').override({
      factory(originalFactory, { inputs, config }) {
        return originalFactory({
          params: {
            loader: async () => (
              <CatalogIndexPage
                columns={catalogColumns}
                filters={
                  <>
                    {inputs.filters.map(filter => (
                      <Fragment key={filter.node.spec.id}>
                        {filter.get(coreExtensionData.reactElement)}
                      </Fragment>
                    ))}
                  </>
                }
                pagination={config.pagination}
              />
            ),
          },
        });
      },
    }),
  ],
});
