import {
  createFrontendPlugin,
  createRouteRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import HomeIcon from '@material-ui/icons/Home';

export const homeRouteRef = createRouteRef();

/*
 * The portal's front door at `/`: the services with their live status, the
 * Create button and where to go next. A page of our own rather than
 * @backstage/plugin-home: its stock widgets (a random joke from a public API,
 * world clocks, a toolkit) would fetch from outside hosts or say nothing about
 * this portal, and the three things a newcomer needs fit in one small page.
 */
export const homePlugin = createFrontendPlugin({
  pluginId: 'home',
  title: 'Home',
  icon: <HomeIcon />,
  routes: { root: homeRouteRef },
  extensions: [
    PageBlueprint.make({
      params: {
        path: '/',
        title: 'Home',
        icon: <HomeIcon />,
        routeRef: homeRouteRef,
        noHeader: true,
        loader: () => import('./HomePage').then(m => <m.HomePage />),
      },
    }),
  ],
});
