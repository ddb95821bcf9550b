import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  ActionContext,
  createTemplateAction,
} from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs';
import { readDefaultAuthor } from '../config';
import {
  createLocalRepository,
  localRepositoryLocation,
  readLocalRepositoryRoot,
} from '@fastify-backstage/plugin-local-git-node';

export const PUBLISH_LOCAL_ACTION_ID = 'fastify:publish:local';

type Author = { name: string; email: string };

/** The author of the first commit: explicit input, else the user who ran the template, else the scaffolder default. */
export function resolveAuthor(
  ctx: Pick<ActionContext<any>, 'user'>,
  input: { gitAuthorName?: string; gitAuthorEmail?: string },
  fallback: Author,
): Author {
  const entity = ctx.user?.entity;
  const profile = entity?.spec?.profile;
  let refName: string | undefined;
  if (ctx.user?.ref) {
    try {
      refName = parseEntityRef(ctx.user.ref).name;
    } catch {
      refName = undefined;
    }
  }
  return {
    name:
      input.gitAuthorName ||
      profile?.displayName ||
      entity?.metadata.name ||
      refName ||
      fallback.name,
    email: input.gitAuthorEmail || profile?.email || fallback.email,
  };
}

/**
 * `fastify:publish:local`: publishes the workspace as the first commit of a new
 * bare git repository `<root>/<name>.git`, where root is
 * `scaffolder.fastify.localRepositoryRoot`. Outputs the same names as
 * `publish:github`. Never overwrites: an existing repository is an error.
 *
 * @public
 */
export function createPublishLocalAction(options: { config: Config }) {
  const root = readLocalRepositoryRoot(options.config);
  const defaultAuthor = readDefaultAuthor(options.config);
  const defaultMessage =
    options.config.getOptionalString('scaffolder.defaultCommitMessage') ??
    'Initial commit';

  return createTemplateAction({
    id: PUBLISH_LOCAL_ACTION_ID,
    description:
      'Publishes the workspace to a new local bare git repository (one commit, authored by the user who ran the template), for portals without a git host. Outputs match publish:github.',
    supportsDryRun: true,
    examples: [
      {
        description:
          'Publish the rendered service to <localRepositoryRoot>/my-service.git',
        example: [
          'steps:',
          '  - id: publish',
          '    action: fastify:publish:local',
          '    input:',
          '      name: ${{ parameters.name }}',
        ].join('\n'),
      },
      {
        description:
          'Publish a sub-folder on a custom branch with an explicit author',
        example: [
          'steps:',
          '  - id: publish',
          '    action: fastify:publish:local',
          '    input:',
          '      name: my-service',
          '      sourcePath: ./service',
          '      defaultBranch: trunk',
          '      gitCommitMessage: Scaffold my-service',
          '      gitAuthorName: Jane Doe',
          '      gitAuthorEmail: jane@example.com',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        name: z =>
          z.string({
            description:
              "Repository name: the repository is '<localRepositoryRoot>/<name>.git'. Letters, digits, '.', '_', '-'.",
          }),
        sourcePath: z =>
          z
            .string({
              description:
                'Workspace folder to publish. Default: the workspace root.',
            })
            .optional(),
        defaultBranch: z =>
          z
            .string({
              description: "Branch of the first commit. Default: 'main'.",
            })
            .optional(),
        gitCommitMessage: z =>
          z
            .string({
              description:
                "Commit message. Default: scaffolder.defaultCommitMessage or 'Initial commit'.",
            })
            .optional(),
        gitAuthorName: z =>
          z
            .string({
              description: "Author name. Default: the user's display name.",
            })
            .optional(),
        gitAuthorEmail: z =>
          z
            .string({
              description:
                "Author email. Default: the user's email, else scaffolder.defaultAuthor.email.",
            })
            .optional(),
      },
      output: {
        remoteUrl: z =>
          z.string({
            description: 'file:// URL of the repository (what git clone takes)',
          }),
        repoContentsUrl: z =>
          z.string({
            description:
              '<remoteUrl>/blob/<branch>, the base for catalog file URLs',
          }),
        commitHash: z => z.string({ description: 'The commit created' }),
        cloneCommand: z =>
          z.string({
            description: 'A git clone command for the new repository',
          }),
        localPath: z =>
          z.string({ description: 'Absolute path of the bare repository' }),
        defaultBranch: z => z.string({ description: 'The branch created' }),
      },
    },
    async handler(ctx) {
      const {
        name,
        sourcePath = '.',
        defaultBranch = 'main',
        gitCommitMessage = defaultMessage,
      } = ctx.input;
      const location = localRepositoryLocation(root, name, defaultBranch);
      let sourceDir: string;
      try {
        sourceDir = resolveSafeChildPath(ctx.workspacePath, sourcePath);
      } catch {
        throw new InputError(
          `sourcePath '${sourcePath}' must stay inside the workspace`,
        );
      }
      if (!fs.existsSync(sourceDir)) {
        throw new InputError(
          `sourcePath '${sourcePath}' does not exist in the workspace`,
        );
      }
      const author = resolveAuthor(ctx, ctx.input, defaultAuthor);

      let commitHash: string;
      if (ctx.isDryRun) {
        if (fs.existsSync(location.path)) {
          throw new InputError(
            `Repository '${name}' already exists at ${location.path}; choose another name`,
          );
        }
        // Build the commit in a throw-away repository: realistic outputs, nothing published.
        const scratch = await ctx.createTemporaryDirectory();
        ({ commitHash } = await createLocalRepository({
          root: scratch,
          name,
          sourceDir,
          defaultBranch,
          commitMessage: gitCommitMessage,
          author,
        }));
        ctx.logger.info(
          `Dry run: would publish to ${location.remoteUrl} as ${author.name} <${author.email}>`,
        );
      } else {
        ({ commitHash } = await createLocalRepository({
          root,
          name,
          sourceDir,
          defaultBranch,
          commitMessage: gitCommitMessage,
          author,
        }));
        ctx.logger.info(
          `Published ${location.path} (${defaultBranch} at ${commitHash.slice(
            0,
            8,
          )}, author ${author.name} <${author.email}>)`,
        );
      }
      ctx.output('remoteUrl', location.remoteUrl);
      ctx.output('repoContentsUrl', location.repoContentsUrl);
      ctx.output('commitHash', commitHash);
      ctx.output('cloneCommand', `git clone ${location.remoteUrl} ${name}`);
      ctx.output('localPath', location.path);
      ctx.output('defaultBranch', defaultBranch);
    },
  });
}
