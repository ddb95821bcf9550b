import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { TEMPLATE_VERSION_ANNOTATION } from '@fastify-backstage/plugin-template-updates-common';

export const TEMPLATE_INFO_ACTION_ID = 'fastify:template:info';

/**
 * `fastify:template:info`: the running template's ref and version
 * (`backstage.io/template-version`), for the files that record what a
 * repository was made from. The ref comes from the template's metadata, so it
 * is the same in a dry run (which runs under a placeholder ref).
 *
 * @public
 */
export function createTemplateInfoAction() {
  return createTemplateAction({
    id: TEMPLATE_INFO_ACTION_ID,
    description: `Outputs the running template's entity ref and version (the ${TEMPLATE_VERSION_ANNOTATION} annotation).`,
    supportsDryRun: true,
    examples: [
      {
        description: 'Render the version into the new repository',
        example: [
          'steps:',
          '  - id: template',
          '    action: fastify:template:info',
          '  - id: fetch',
          '    action: fetch:template',
          '    input:',
          '      url: ./skeleton',
          '      values:',
          '        templateRef: ${{ steps.template.output.templateRef }}',
          '        templateVersion: ${{ steps.template.output.version }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        templateRef: z =>
          z
            .string({
              description:
                'Record another template as the origin (e.g. a copy of an older version of it). Default: the running template.',
            })
            .optional(),
      },
      output: {
        templateRef: z =>
          z.string({ description: 'e.g. template:default/fastify-service' }),
        version: z => z.string({ description: 'e.g. 1.2.0' }),
      },
    },
    async handler(ctx) {
      const metadata = ctx.templateInfo?.entity?.metadata;
      if (!metadata) {
        throw new InputError(
          'The task carries no template metadata; run this action from a template',
        );
      }
      const version = metadata.annotations?.[TEMPLATE_VERSION_ANNOTATION];
      if (!version) {
        throw new InputError(
          `Template ${metadata.name} has no ${TEMPLATE_VERSION_ANNOTATION} annotation`,
        );
      }
      const templateRef =
        ctx.input.templateRef ??
        `template:${metadata.namespace ?? 'default'}/${metadata.name}`;
      ctx.output('templateRef', templateRef);
      ctx.output('version', version);
    },
  });
}
