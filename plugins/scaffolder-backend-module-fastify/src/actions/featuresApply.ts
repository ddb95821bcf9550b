import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { applyFeatures } from '../features/applyFeatures';

export const FEATURES_APPLY_ACTION_ID = 'fastify:features:apply';

/**
 * `fastify:features:apply`: applies the template's feature choices to the
 * rendered skeleton (see features/applyFeatures.ts for the rules).
 *
 * It also runs in dry-run mode: the dry-run workspace is a throw-away copy, and
 * applying the choices there is what makes the dry-run output show the real result.
 *
 * @public
 */
export function createFeaturesApplyAction() {
  return createTemplateAction({
    id: FEATURES_APPLY_ACTION_ID,
    description:
      "Applies feature choices to the rendered skeleton: for each feature not chosen, deletes its files, package.json dependencies and scripts, and its '#region feature:<name>' blocks; then deletes the feature manifest.",
    supportsDryRun: true,
    examples: [
      {
        description: 'Keep PostgreSQL and JWT auth, drop events',
        example: [
          'steps:',
          '  - id: features',
          '    action: fastify:features:apply',
          '    input:',
          '      features:',
          "        database: postgres   # any value but 'none'/false keeps the feature",
          '        events: none',
          '        auth: jwt',
        ].join('\n'),
      },
      {
        description: 'Booleans from the form, a project in a sub-folder',
        example: [
          'steps:',
          '  - id: features',
          '    action: fastify:features:apply',
          '    input:',
          '      targetPath: ./service',
          '      manifestPath: features.json',
          '      features:',
          '        database: ${{ parameters.database }}',
          '        events: false',
          '        auth: true',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        features: z =>
          z.record(z.union([z.boolean(), z.string()]), {
            description:
              "Every feature of the manifest, mapped to true/false or to the chosen variant (e.g. 'postgres'); 'none', 'false', 'off', 'no' and '' turn a feature off.",
          }),
        targetPath: z =>
          z
            .string({
              description:
                'Project folder inside the workspace. Default: the workspace root.',
            })
            .optional(),
        manifestPath: z =>
          z
            .string({
              description:
                "Manifest path relative to the project folder. Default: 'features.json'.",
            })
            .optional(),
      },
      output: {
        enabled: z => z.array(z.string(), { description: 'Features kept' }),
        disabled: z => z.array(z.string(), { description: 'Features removed' }),
        deletedFiles: z =>
          z.array(z.string(), {
            description: 'Files deleted (project-relative)',
          }),
        editedFiles: z =>
          z.array(z.string(), {
            description: 'Files whose feature regions were applied',
          }),
        removedDependencies: z =>
          z.array(z.string(), { description: 'package.json entries removed' }),
        removedScripts: z =>
          z.array(z.string(), { description: 'package.json scripts removed' }),
      },
    },
    async handler(ctx) {
      const { features, targetPath = '.', manifestPath } = ctx.input;
      let dir: string;
      try {
        dir = resolveSafeChildPath(ctx.workspacePath, targetPath);
      } catch {
        throw new InputError(
          `targetPath '${targetPath}' must stay inside the workspace`,
        );
      }
      const result = await applyFeatures({
        dir,
        manifestPath,
        choices: features,
      });
      ctx.logger.info(
        `Features kept: ${result.enabled.join(', ') || '(none)'}; removed: ${
          result.disabled.join(', ') || '(none)'
        }; ${result.deletedFiles.length} files deleted, ${
          result.editedFiles.length
        } edited, ${result.removedDependencies.length} dependencies and ${
          result.removedScripts.length
        } scripts removed, ${
          result.prunedLockfileEntries
        } lockfile entries pruned`,
      );
      for (const warning of result.warnings) ctx.logger.warn(warning);
      ctx.output('enabled', result.enabled);
      ctx.output('disabled', result.disabled);
      ctx.output('deletedFiles', result.deletedFiles);
      ctx.output('editedFiles', result.editedFiles);
      ctx.output('removedDependencies', result.removedDependencies);
      ctx.output('removedScripts', result.removedScripts);
    },
  });
}
