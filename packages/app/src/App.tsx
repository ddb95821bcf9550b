import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

/*
 * Plugins are discovered from this package's dependencies (`app.packages: all`
 * in app-config.yaml): catalog, scaffolder, org, api-docs, user-settings and
 * our service-health plugin. Only the app's own modules are listed here.
 */
export default createApp({
  features: [navModule, signInModule],
});
