import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import Router from 'express-promise-router';

/**
 * Gathers each catalog service's health, metrics and traces.
 *
 * @public
 */
export const serviceHealthPlugin = createBackendPlugin({
  pluginId: 'service-health',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter },
      async init({ httpRouter }) {
        const router = Router();
        router.get('/ping', (_req, res) => {
          res.json({ status: 'ok' });
        });
        httpRouter.use(router);
      },
    });
  },
});
