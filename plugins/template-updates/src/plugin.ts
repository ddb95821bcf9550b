import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { templateUpdatesApiRef, TemplateUpdatesClient } from './api';

/**
 * Factory of the template-updates API client (`discoveryApi` + `fetchApi`).
 *
 * @public
 */
export const templateUpdatesApiFactory = createApiFactory({
  api: templateUpdatesApiRef,
  deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
  factory: ({ discoveryApi, fetchApi }) =>
    new TemplateUpdatesClient({ discoveryApi, fetchApi }),
});

/**
 * The template-updates plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const templateUpdatesLegacyPlugin = createPlugin({
  id: 'template-updates',
  apis: [templateUpdatesApiFactory],
});

/**
 * The drift card (legacy frontend system), for entities with
 * `spec.scaffoldedFrom`.
 *
 * @public
 */
export const EntityTemplateDriftCard: () => JSX.Element | null =
  templateUpdatesLegacyPlugin.provide(
    createComponentExtension({
      name: 'EntityTemplateDriftCard',
      component: {
        lazy: () =>
          import('./components/TemplateDriftCard').then(
            m => m.TemplateDriftCard,
          ),
      },
    }),
  );
