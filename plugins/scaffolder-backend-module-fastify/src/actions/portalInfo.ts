import { Config } from '@backstage/config';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';

export const PORTAL_INFO_ACTION_ID = 'fastify:portal:info';

/**
 * `fastify:portal:info`: this portal's own URLs, so a template can point what it
 * renders at the portal that rendered it (e.g. a new service's OTLP exporter at
 * the service-health receiver) instead of hard-coding localhost:7007.
 *
 * @public
 */
export function createPortalInfoAction(options: { config: Config }) {
  const backendBaseUrl = options.config
    .getString('backend.baseUrl')
    .replace(/\/+$/, '');
  const appBaseUrl = options.config
    .getString('app.baseUrl')
    .replace(/\/+$/, '');
  return createTemplateAction({
    id: PORTAL_INFO_ACTION_ID,
    description:
      "Outputs this portal's backend and app base URLs (backend.baseUrl, app.baseUrl).",
    supportsDryRun: true,
    examples: [
      {
        description: "Point a new service's trace exporter at this portal",
        example: [
          'steps:',
          '  - id: portal',
          '    action: fastify:portal:info',
          '  - id: fetch',
          '    action: fetch:template',
          '    input:',
          '      url: ./skeleton',
          '      values:',
          '        otlpEndpoint: ${{ steps.portal.output.backendBaseUrl }}/api/service-health/otlp',
        ].join('\n'),
      },
    ],
    schema: {
      output: {
        backendBaseUrl: z =>
          z.string({
            description: 'backend.baseUrl, without a trailing slash',
          }),
        appBaseUrl: z =>
          z.string({ description: 'app.baseUrl, without a trailing slash' }),
      },
    },
    async handler(ctx) {
      ctx.output('backendBaseUrl', backendBaseUrl);
      ctx.output('appBaseUrl', appBaseUrl);
    },
  });
}
