import { UrlReaderService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { TemplateEntityV1beta3 } from '@backstage/plugin-scaffolder-common';
import {
  createTemplateAction,
  ScaffolderService,
} from '@backstage/plugin-scaffolder-node';
import {
  changesBetween,
  getTemplateVersion,
  TEMPLATE_RECORD_PATH,
} from '@fastify-backstage/plugin-template-updates-common';
import {
  readTemplateChangelog,
  readTemplateDirectory,
} from '@fastify-backstage/plugin-template-updates-node';
import { readDefaultAuthor } from '../config';
import { renderTemplate } from '../update/render';
import {
  GithubServiceRepository,
  openServiceRepository,
  repositoryOfEntity,
} from '../update/repositories';
import {
  readTemplateRecord,
  UpdateResult,
  updateRepository,
} from '../update/updateRepository';
import { resolveAuthor } from './publishLocal';

export const TEMPLATE_UPDATE_ACTION_ID = 'fastify:template:update';

function summarize(result: UpdateResult, display: string): string {
  if (result.status === 'up-to-date') {
    return `${display} is at template version ${result.toVersion} already; nothing to update.`;
  }
  const lines = [
    result.status === 'clean'
      ? `**Clean.** ${result.fromVersion} → ${result.toVersion} merged without conflicts on branch \`${result.branch}\`: the service's changes are kept and the template's applied.`
      : `**Conflicts in ${result.conflicts.length} file(s).** ${result.fromVersion} → ${result.toVersion} is on branch \`${result.branch}\`; resolve these before merging (nothing was lost: each file holds both sides or the side that changed):`,
    ...result.conflicts.map(c => `- \`${c.path}\` (${c.kind})`),
  ];
  if (result.lockfile === 'regenerated') {
    lines.push(
      '',
      'package-lock.json was regenerated for the merged package.json.',
    );
  } else if (result.lockfileProblem) {
    lines.push('', result.lockfileProblem);
  }
  return lines.join('\n');
}

/**
 * `fastify:template:update`: updates a service created from a versioned
 * template to the template's current version, as a branch (local publisher)
 * or a pull request (GitHub). See update/updateRepository.ts for the merge.
 *
 * @public
 */
export function createTemplateUpdateAction(options: {
  config: Config;
  catalog: CatalogService;
  urlReader: UrlReaderService;
  scaffolder: ScaffolderService;
}) {
  const defaultAuthor = readDefaultAuthor(options.config);
  return createTemplateAction({
    id: TEMPLATE_UPDATE_ACTION_ID,
    description:
      "Updates a service made from a versioned template to the template's current version: renders the template with the answers the repository recorded, merges three-way with the pristine render on its template branch as the base, regenerates package-lock.json, and offers the result as a pull request (GitHub) or a branch (local repositories).",
    examples: [
      {
        description: 'Update the service chosen in the form',
        example: [
          'steps:',
          '  - id: update',
          '    action: fastify:template:update',
          '    input:',
          '      entityRef: ${{ parameters.entity }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        entityRef: z =>
          z.string({ description: 'The catalog entity of the service' }),
        branchName: z =>
          z
            .string({
              description:
                "The update's branch. Default: template-update-<version>.",
            })
            .optional(),
      },
      output: {
        status: z =>
          z.enum(['clean', 'conflicts', 'up-to-date'], {
            description: "'clean', 'conflicts' or 'up-to-date'",
          }),
        conflictingFiles: z =>
          z.array(z.string(), { description: 'Files left with conflicts' }),
        fromVersion: z => z.string({ description: 'The version before' }),
        toVersion: z => z.string({ description: 'The version after' }),
        branch: z => z.string({ description: 'The update branch' }).optional(),
        url: z =>
          z.string({
            description:
              'The pull request (GitHub), the diff page of the branch (local), or the entity when up to date',
          }),
        kind: z =>
          z.enum(['pull-request', 'branch', 'none'], {
            description: 'What url shows',
          }),
        lockfile: z =>
          z.string({ description: 'What happened to package-lock.json' }),
        summary: z => z.string({ description: 'The result in Markdown' }),
      },
    },
    async handler(ctx) {
      const credentials = await ctx.getInitiatorCredentials();
      let ref: string;
      try {
        ref = stringifyEntityRef(
          parseEntityRef(ctx.input.entityRef, { defaultKind: 'component' }),
        );
      } catch (e) {
        throw new InputError(`entityRef: ${(e as Error).message}`);
      }
      const entity = await options.catalog.getEntityByRef(ref, { credentials });
      if (!entity) throw new NotFoundError(`${ref} is not in the catalog`);

      const repository = await openServiceRepository(
        options.config,
        repositoryOfEntity(entity),
      );
      if (repository instanceof GithubServiceRepository) {
        ctx.logger.info(`Fetching ${repository.display}`);
        await repository.clone(await ctx.createTemporaryDirectory());
      }
      const main = await repository.resolveBranch(repository.defaultBranch);
      if (!main) {
        throw new InputError(
          `${repository.display} has no branch ${repository.defaultBranch}`,
        );
      }
      const record = await readTemplateRecord(
        repository.gitdir,
        main,
        repository.display,
      );
      const template = (await options.catalog.getEntityByRef(
        record.templateRef,
        { credentials },
      )) as TemplateEntityV1beta3 | undefined;
      if (!template) {
        throw new NotFoundError(
          `${record.templateRef}, recorded in ${TEMPLATE_RECORD_PATH}, is not in the catalog`,
        );
      }
      const toVersion = getTemplateVersion(template as Entity);
      if (!toVersion) {
        throw new InputError(
          `${record.templateRef} has no version annotation; only versioned templates can update services`,
        );
      }

      const result = await updateRepository({
        repository,
        toVersion,
        author: resolveAuthor(ctx, {}, defaultAuthor),
        branchName: ctx.input.branchName,
        scratchDir: await ctx.createTemporaryDirectory(),
        logger: ctx.logger,
        signal: ctx.signal,
        render: async recorded =>
          renderTemplate({
            scaffolder: options.scaffolder,
            credentials,
            template,
            templateFiles: await readTemplateDirectory(template, {
              urlReader: options.urlReader,
            }),
            parameters: recorded.parameters,
          }),
      });

      const summary = summarize(result, repository.display);
      let url = `/catalog/${
        entity.metadata.namespace ?? 'default'
      }/${entity.kind.toLocaleLowerCase('en-US')}/${entity.metadata.name}`;
      let kind: 'pull-request' | 'branch' | 'none' = 'none';
      if (result.branch) {
        const changelog = await readTemplateChangelog(template, {
          urlReader: options.urlReader,
        });
        const changes = changesBetween(
          changelog.sections,
          result.fromVersion,
          result.toVersion,
        );
        const body = [
          `Updates this service from ${record.templateRef} ${result.fromVersion} to ${result.toVersion}, opened from the developer portal.`,
          '',
          summary,
          '',
          '## What changed in the template',
          '',
          ...(changes.length
            ? changes.flatMap(c => [`### ${c.version}`, '', c.body, ''])
            : [changelog.problem ?? 'No changelog entries.']),
          '',
          `The merge base is the pristine render of ${result.fromVersion} on the \`template\` branch, so your own changes are kept; ${TEMPLATE_RECORD_PATH} moves to ${result.toVersion} when this is merged.`,
        ].join('\n');
        ({ url, kind } = await repository.openChange({
          branch: result.branch,
          title: `Update to ${record.templateRef} ${result.toVersion}`,
          body,
        }));
      }
      ctx.logger.info(summary.replace(/\*\*/g, ''));
      ctx.output('status', result.status);
      ctx.output(
        'conflictingFiles',
        result.conflicts.map(c => c.path),
      );
      ctx.output('fromVersion', result.fromVersion);
      ctx.output('toVersion', result.toVersion);
      if (result.branch) ctx.output('branch', result.branch);
      ctx.output('url', url);
      ctx.output('kind', kind);
      ctx.output('lockfile', result.lockfile);
      ctx.output('summary', summary);
    },
  });
}
