import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  TEMPLATE_RECORD_PATH,
  TemplateRecord,
} from '@fastify-backstage/plugin-template-updates-common';
import fs from 'node:fs/promises';
import path from 'node:path';

export const TEMPLATE_RECORD_ACTION_ID = 'fastify:template:record';

/**
 * The answers without secrets: any answer equal to a task secret and any
 * parameter named in `exclude` is left out. (Backstage keeps `ui:field: Secret`
 * answers out of the parameters already; this catches secrets passed on.)
 */
export function withoutSecrets(
  parameters: Record<string, unknown>,
  secrets: Record<string, string> | undefined,
  exclude: string[],
): Record<string, unknown> {
  const secretValues = new Set(
    Object.entries(secrets ?? {})
      .filter(([key, value]) => key !== 'backstageToken' && value)
      .map(([, value]) => value),
  );
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (exclude.includes(key)) continue;
    if (typeof value === 'string' && secretValues.has(value)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * `fastify:template:record`: writes `.backstage/template.json` into the
 * rendered repository: the template ref, its version and the form answers
 * (minus secrets), which is everything an update needs to render the same
 * template again.
 *
 * @public
 */
export function createTemplateRecordAction() {
  return createTemplateAction({
    id: TEMPLATE_RECORD_ACTION_ID,
    description: `Writes ${TEMPLATE_RECORD_PATH}: the template ref, version and form answers (without secrets) the repository was made from.`,
    supportsDryRun: true,
    examples: [
      {
        description: 'Record what the repository is made from',
        example: [
          'steps:',
          '  - id: record',
          '    action: fastify:template:record',
          '    input:',
          '      templateRef: ${{ steps.template.output.templateRef }}',
          '      version: ${{ steps.template.output.version }}',
          '      parameters: ${{ parameters }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        templateRef: z => z.string({ description: 'The template' }),
        version: z => z.string({ description: 'Its version' }),
        parameters: z =>
          z.record(z.unknown(), {
            description: 'The form answers (${{ parameters }})',
          }),
        exclude: z =>
          z
            .array(z.string(), {
              description: 'Answers not to record (besides secrets)',
            })
            .optional(),
        targetPath: z =>
          z
            .string({
              description:
                'Project folder inside the workspace. Default: the workspace root.',
            })
            .optional(),
      },
      output: {
        path: z => z.string({ description: 'The file written' }),
      },
    },
    async handler(ctx) {
      const { templateRef, version, parameters, targetPath = '.' } = ctx.input;
      let file: string;
      try {
        file = resolveSafeChildPath(
          resolveSafeChildPath(ctx.workspacePath, targetPath),
          TEMPLATE_RECORD_PATH,
        );
      } catch {
        throw new InputError(
          `targetPath '${targetPath}' must stay inside the workspace`,
        );
      }
      const record: TemplateRecord = {
        templateRef,
        version,
        parameters: withoutSecrets(
          parameters,
          ctx.secrets,
          ctx.input.exclude ?? [],
        ),
      };
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
      ctx.logger.info(
        `Recorded ${templateRef} ${version} in ${TEMPLATE_RECORD_PATH}`,
      );
      ctx.output('path', TEMPLATE_RECORD_PATH);
    },
  });
}
