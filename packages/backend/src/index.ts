/*
 * The portal's backend: Backstage's new backend system with the plugins the
 * Fastify service journey needs, plus our own pieces (the scaffolder module,
 * the local-git catalog module and the service-health plugin).
 */
import { createBackend } from '@backstage/backend-defaults';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { hideStackTraces } from './hideStackTraces';

const backend = createBackend();

// Error replies without stack traces, also under `backstage-cli package start` (NODE_ENV=development).
backend.add(
  rootHttpRouterServiceFactory({
    configure: ({ app, applyDefaults }) => {
      app.use(hideStackTraces);
      applyDefaults();
    },
  }),
);

// Serves the built frontend bundle on the backend's port in production-like runs.
backend.add(import('@backstage/plugin-app-backend'));

// Auth: the guest provider signs people in locally; production config adds a real provider.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// Events between plugins (the catalog and the scaffolder publish to it when it is installed).
backend.add(import('@backstage/plugin-events-backend'));

// Catalog, with the Template kind understood.
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// Permissions: allow-all locally; replace the policy module for production.
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(
  import('@backstage/plugin-permission-backend-module-allow-all-policy'),
);

// Scaffolder: GitHub publishing for real installs, our Fastify actions for the template.
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@fastify-backstage/plugin-scaffolder-backend-module-fastify'),
);
// The catalog reads the repositories the local publisher (fastify:publish:local) makes,
// and every plugin's UrlReader reads files from them (e.g. an API's $text definition).
backend.add(
  import('@fastify-backstage/plugin-catalog-backend-module-local-git'),
);

// How far services made from a versioned template are behind it; local update branches' diffs.
backend.add(import('@fastify-backstage/plugin-template-updates-backend'));

// Health, metrics and traces of every catalog service.
backend.add(import('@fastify-backstage/plugin-service-health-backend'));

backend.start();
