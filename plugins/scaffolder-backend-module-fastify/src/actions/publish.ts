import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { ScmIntegrationRegistry } from '@backstage/integration';
import {
  ActionContext,
  parseRepoUrl,
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { githubPublishing } from '../publishTargets';

export const PUBLISH_ACTION_ID = 'fastify:publish';

/**
 * `fastify:publish`: one "Publish the repository" step whatever the target,
 * so the task page lists what happened instead of one skipped step per
 * publisher that was not chosen. `target: local` runs `fastify:publish:local`,
 * `target: github` runs `publish:github` (from
 * `@backstage/plugin-scaffolder-backend-module-github`), each with its own
 * inputs, after checking that the portal can publish there at all.
 *
 * Outputs: those of the publisher (`remoteUrl`, `repoContentsUrl`,
 * `commitHash`) and `browseUrl`, a page a browser can open: the portal's
 * read-only view of a local repository, or the repository on GitHub.
 *
 * @public
 */
export function createPublishAction(options: {
  config: Config;
  integrations: ScmIntegrationRegistry;
  publishLocal: TemplateAction<any, any, any>;
  publishGithub: TemplateAction<any, any, any>;
}) {
  const appBaseUrl = options.config
    .getString('app.baseUrl')
    .replace(/\/+$/, '');
  return createTemplateAction({
    id: PUBLISH_ACTION_ID,
    description:
      'Publishes the workspace to a new repository: a local git repository (fastify:publish:local) or GitHub (publish:github). Outputs remoteUrl, repoContentsUrl, commitHash and browseUrl.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Publish where the form said',
        example: [
          'steps:',
          '  - id: publish',
          '    action: fastify:publish',
          '    input:',
          '      target: ${{ parameters.publishTarget }}',
          '      name: ${{ parameters.name }}',
          '      repoUrl: ${{ parameters.repoUrl }}',
          '      description: ${{ parameters.description }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        target: z =>
          z.enum(['local', 'github'], {
            description: "'local' or 'github'",
          }),
        name: z =>
          z.string({
            description:
              'Repository name of a local repository (<localRepositoryRoot>/<name>.git).',
          }),
        repoUrl: z =>
          z
            .string({
              description:
                "GitHub only: the RepoUrlPicker's value (github.com?owner=<owner>&repo=<repo>).",
            })
            .optional(),
        description: z =>
          z
            .string({ description: 'GitHub only: repository description.' })
            .optional(),
        repoVisibility: z =>
          z
            .enum(['private', 'internal', 'public'], {
              description: "GitHub only. Default: 'private'.",
            })
            .optional(),
        defaultBranch: z =>
          z.string({ description: "Default: 'main'." }).optional(),
        gitCommitMessage: z =>
          z.string({ description: 'Message of the first commit.' }).optional(),
      },
      output: {
        remoteUrl: z => z.string({ description: 'What git clone takes' }),
        repoContentsUrl: z =>
          z.string({
            description: '<repository>/blob/<branch>, for catalog registration',
          }),
        commitHash: z =>
          z.string({ description: 'The first commit' }).optional(),
        browseUrl: z =>
          z.string({
            description:
              'A page showing the repository: the portal view of a local repository, or the repository on GitHub',
          }),
      },
    },
    async handler(ctx) {
      const { target, name, repoUrl, defaultBranch = 'main' } = ctx.input;
      const outputs = new Map<string, unknown>();
      const delegate = {
        ...ctx,
        output: (key: string, value: unknown) => outputs.set(key, value),
      } as ActionContext<any, any>;
      const emit = (browseUrl: string) => {
        ctx.output('remoteUrl', String(outputs.get('remoteUrl')));
        ctx.output('repoContentsUrl', String(outputs.get('repoContentsUrl')));
        const commitHash = outputs.get('commitHash');
        if (typeof commitHash === 'string')
          ctx.output('commitHash', commitHash);
        ctx.output('browseUrl', browseUrl);
      };

      if (target === 'local') {
        await options.publishLocal.handler({
          ...delegate,
          input: {
            name,
            defaultBranch,
            gitCommitMessage: ctx.input.gitCommitMessage,
          },
        });
        emit(`${appBaseUrl}/local-git/${encodeURIComponent(name)}`);
        return;
      }

      if (!repoUrl) {
        throw new InputError('Publishing to GitHub needs repoUrl');
      }
      const { host, owner, repo } = parseRepoUrl(repoUrl, options.integrations);
      const github = githubPublishing(options.integrations, host);
      if (!github.available) throw new InputError(github.reason);
      if (ctx.isDryRun) {
        // publish:github has no dry run: report what it would create.
        const html = `https://${host}/${owner}/${repo}`;
        ctx.logger.info(`Dry run: would publish to ${html}`);
        outputs.set('remoteUrl', `${html}.git`);
        outputs.set('repoContentsUrl', `${html}/blob/${defaultBranch}`);
        emit(html);
        return;
      }
      await options.publishGithub.handler({
        ...delegate,
        input: {
          repoUrl,
          description: ctx.input.description,
          repoVisibility: ctx.input.repoVisibility ?? 'private',
          defaultBranch,
          gitCommitMessage: ctx.input.gitCommitMessage,
        },
      });
      emit(
        String(outputs.get('repoContentsUrl')).replace(/\/blob\/[^/]+$/, ''),
      );
    },
  });
}
