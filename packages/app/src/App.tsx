import { createApp } from '@backstage/frontend-defaults';
import { catalogWithColumns } from './modules/catalog';
import { homePlugin } from './modules/home';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

/*
 * Plugins are discovered from this package's dependencies (`app.packages: all`
 * in app-config.yaml): catalog, scaffolder, org, api-docs, user-settings and
 * our service-health plugin and Create form module. Only the app's own home
 * page and modules are listed here.
 */
export default createApp({
  features: [catalogWithColumns, homePlugin, navModule, signInModule],
});
