import { ProxiedSignInPage } from '@backstage/core-components';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/*
 * Local portal: sign everyone in as the guest user without a click, so the
 * journey (Create → catalog → Health tab) starts at once. Production config
 * disables this extension and uses a real provider's sign-in page instead.
 */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => props =>
          <ProxiedSignInPage {...props} provider="guest" />,
      },
    }),
  ],
});
