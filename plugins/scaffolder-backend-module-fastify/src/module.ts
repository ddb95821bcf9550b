import { createBackendModule } from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';

/**
 * Adds the Fastify service template's actions to the scaffolder.
 *
 * @public
 */
export const scaffolderModuleFastify = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'fastify',
  register(reg) {
    reg.registerInit({
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions();
      },
    });
  },
});
