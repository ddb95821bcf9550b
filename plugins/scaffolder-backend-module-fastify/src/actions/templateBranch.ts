import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { TEMPLATE_BRANCH } from '@fastify-backstage/plugin-template-updates-common';
import git from 'isomorphic-git';
import fs from 'node:fs';
import {
  LocalServiceRepository,
  openServiceRepository,
  parseRepoContentsUrl,
} from '../update/repositories';

export const TEMPLATE_BRANCH_ACTION_ID = 'fastify:template:branch';

/**
 * `fastify:template:branch`: right after publishing, points the new
 * repository's `template` branch at the first commit, the pristine render.
 * Later updates commit the next pristine render there and merge it three-way
 * into the default branch, with this commit as the merge base.
 *
 * @public
 */
export function createTemplateBranchAction(options: { config: Config }) {
  return createTemplateAction({
    id: TEMPLATE_BRANCH_ACTION_ID,
    description: `Creates the '${TEMPLATE_BRANCH}' branch of a just-published repository (fastify:publish:local or publish:github) at its first commit, the pristine render that template updates merge from.`,
    supportsDryRun: true,
    examples: [
      {
        description: 'After publish:github',
        example: [
          'steps:',
          '  - id: template-branch',
          '    action: fastify:template:branch',
          '    input:',
          "      repoContentsUrl: ${{ steps['publish'].output.repoContentsUrl }}",
          "      commitHash: ${{ steps['publish'].output.commitHash }}",
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        // Optional only for dry runs, where publish steps without a dry-run mode leave them empty.
        repoContentsUrl: z =>
          z
            .string({
              description: 'repoContentsUrl output of the publish step',
            })
            .optional(),
        commitHash: z =>
          z
            .string({ description: 'commitHash output of the publish step' })
            .optional(),
        branch: z =>
          z.string({ description: `Default: '${TEMPLATE_BRANCH}'` }).optional(),
      },
      output: {
        branch: z => z.string({ description: 'The branch created' }),
      },
    },
    async handler(ctx) {
      const { repoContentsUrl, commitHash } = ctx.input;
      const branch = ctx.input.branch ?? TEMPLATE_BRANCH;
      if (ctx.isDryRun && (!repoContentsUrl || !commitHash)) {
        ctx.logger.info(
          `Dry run: the publish step published nothing, so no ${branch} branch`,
        );
        ctx.output('branch', branch);
        return;
      }
      if (!repoContentsUrl) {
        throw new InputError(
          "repoContentsUrl is required: pass the publish step's repoContentsUrl output",
        );
      }
      if (!commitHash || !/^[0-9a-f]{40}$/.test(commitHash)) {
        throw new InputError(
          `commitHash '${commitHash}' is not a commit id; pass the publish step's commitHash output`,
        );
      }
      const repository = await openServiceRepository(
        options.config,
        parseRepoContentsUrl(repoContentsUrl),
      );
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create ${branch} at ${commitHash.slice(0, 8)} in ${
            repository.display
          }`,
        );
      } else if (repository instanceof LocalServiceRepository) {
        await git.readCommit({
          fs,
          gitdir: repository.gitdir,
          oid: commitHash,
        });
        await repository.publish([{ branch, oid: commitHash }]);
      } else {
        await repository.createBranch(branch, commitHash);
      }
      ctx.logger.info(
        `${repository.display}: ${branch} at ${commitHash.slice(0, 8)}`,
      );
      ctx.output('branch', branch);
    },
  });
}
