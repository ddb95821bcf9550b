import {
  ApiBlueprint,
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  CatalogFilterBlueprint,
  EntityCardBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { templateUpdatesApiRef, TemplateUpdatesClient } from './api';

/** @alpha */
export const templateUpdatesApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: templateUpdatesApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new TemplateUpdatesClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * The drift card, on entities made from a template (`spec.scaffoldedFrom`).
 *
 * @alpha
 */
export const templateDriftEntityCard = EntityCardBlueprint.make({
  name: 'template-drift',
  params: {
    type: 'info',
    filter: { 'spec.scaffoldedFrom': { $exists: true } },
    loader: () =>
      import('./components/TemplateDriftCard').then(m => (
        <m.TemplateDriftCard />
      )),
  },
});

/**
 * The catalog filter "Template version": all, behind, at the template version.
 *
 * @alpha
 */
export const templateDriftCatalogFilter = CatalogFilterBlueprint.make({
  name: 'template-drift',
  params: {
    loader: () =>
      import('./components/TemplateDriftPicker').then(m => (
        <m.TemplateDriftPicker />
      )),
  },
});

/**
 * The diff page of a local update branch,
 * `/template-updates/local-compare?repository=&base=&head=` (the link the
 * update task shows for the local publisher).
 *
 * @alpha
 */
export const templateUpdatesComparePage = PageBlueprint.make({
  params: {
    path: '/template-updates/local-compare',
    title: 'Template update',
    loader: () =>
      import('./components/LocalComparePage').then(m => <m.LocalComparePage />),
  },
});

/**
 * The template-updates plugin for the new frontend system.
 *
 * @alpha
 */
const templateUpdatesPlugin = createFrontendPlugin({
  pluginId: 'template-updates',
  title: 'Template updates',
  info: { packageJson: () => import('../package.json') },
  extensions: [
    templateUpdatesApi,
    templateDriftEntityCard,
    templateDriftCatalogFilter,
    templateUpdatesComparePage,
  ],
});

export default templateUpdatesPlugin;
export { templateUpdatesPlugin };
