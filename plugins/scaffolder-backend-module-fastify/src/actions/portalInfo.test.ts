import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createPortalInfoAction } from './portalInfo';

describe('fastify:portal:info', () => {
  const config = new ConfigReader({
    app: { baseUrl: 'https://portal.example.com/' },
    backend: { baseUrl: 'https://portal.example.com/' },
  });

  it.each([false, true])(
    'outputs the portal URLs (dry run: %s)',
    async isDryRun => {
      const ctx = createMockActionContext({ input: {}, isDryRun });
      await createPortalInfoAction({ config }).handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith(
        'backendBaseUrl',
        'https://portal.example.com',
      );
      expect(ctx.output).toHaveBeenCalledWith(
        'appBaseUrl',
        'https://portal.example.com',
      );
    },
  );

  it('fails at start-up, not in a task, when the portal has no base URLs', () => {
    expect(() =>
      createPortalInfoAction({ config: new ConfigReader({}) }),
    ).toThrow(/backend\.baseUrl/);
  });
});
