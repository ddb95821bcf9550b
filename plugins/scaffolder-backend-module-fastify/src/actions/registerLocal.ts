import { isChildPath, resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { LOCAL_GIT_LOCATION_TYPE } from '../catalog/LocalGitLocationProcessor';
import { readLocalRepositoryRoot } from '../config';
import { parseLocalContentsUrl } from '../git/localRepository';

export const REGISTER_LOCAL_ACTION_ID = 'fastify:catalog:register-local';

/** The entity catalog:register reports: the first Component, else the first non-generated entity. */
export function pickEntity(entities: Entity[]): Entity | undefined {
  return (
    entities.find(e => !e.metadata.name.startsWith('generated-') && e.kind === 'Component') ??
    entities.find(e => !e.metadata.name.startsWith('generated-')) ??
    entities[0]
  );
}

/**
 * `fastify:catalog:register-local`: the local counterpart of `catalog:register`
 * for repositories made by `fastify:publish:local`. It registers a
 * `local-git` location (read by this package's catalog module from the bare
 * repository's branch) and outputs `entityRef` and `catalogInfoUrl`.
 *
 * The catalog module's LocalGitDiscoveryProvider emits the very same Location
 * entity for `/catalog-info.yaml` (same type, target, name and location key),
 * so the two never conflict: registering makes the service visible at once,
 * discovery keeps it across restarts. A location that is already registered
 * (e.g. a repository deleted and created again under the same name) is
 * refreshed instead of failing with a conflict.
 */
export function createRegisterLocalAction(options: {
  config: Config;
  catalog: CatalogService;
}) {
  const root = readLocalRepositoryRoot(options.config);
  return createTemplateAction({
    id: REGISTER_LOCAL_ACTION_ID,
    description:
      'Registers the catalog file of a local repository made by fastify:publish:local in the software catalog (location type local-git).',
    supportsDryRun: true,
    examples: [
      {
        description: 'Register the catalog-info.yaml of the repository published by the previous step',
        example: [
          'steps:',
          '  - id: register',
          '    action: fastify:catalog:register-local',
          '    input:',
          "      repoContentsUrl: ${{ steps['publish'].output.repoContentsUrl }}",
          '      catalogInfoPath: /catalog-info.yaml',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        repoContentsUrl: z =>
          z.string({ description: 'repoContentsUrl output of fastify:publish:local' }),
        catalogInfoPath: z =>
          z
            .string({ description: "Path of the catalog file in the repository. Default: '/catalog-info.yaml'." })
            .optional(),
        optional: z =>
          z
            .boolean({ description: 'Permit the location to not exist (yet). Default: false.' })
            .optional(),
      },
      output: {
        entityRef: z => z.string({ description: 'Ref of the registered Component (or first entity)' }).optional(),
        catalogInfoUrl: z => z.string({ description: 'The registered location target' }),
      },
    },
    async handler(ctx) {
      const { repoContentsUrl, catalogInfoPath = '/catalog-info.yaml', optional = false } =
        ctx.input;
      const relPath = catalogInfoPath.replace(/^\/+/, '');
      if (!relPath || relPath.split('/').includes('..')) {
        throw new InputError(`catalogInfoPath '${catalogInfoPath}' must be a file path inside the repository`);
      }
      const catalogInfoUrl = `${repoContentsUrl.replace(/\/+$/, '')}/${relPath}`;
      const parsed = parseLocalContentsUrl(catalogInfoUrl);
      if (!parsed) {
        throw new InputError(
          `repoContentsUrl '${repoContentsUrl}' is not a local repository contents URL (file:///<root>/<name>.git/blob/<branch>); use catalog:register for other hosts`,
        );
      }
      if (!isChildPath(root, parsed.repoPath)) {
        throw new InputError(
          `repoContentsUrl '${repoContentsUrl}' is outside the local repository root ${root}`,
        );
      }

      if (ctx.isDryRun) {
        // Nothing registered: report what would be, from the workspace's catalog file.
        const entities = await readWorkspaceEntities(ctx.workspacePath, relPath);
        const entity = pickEntity(entities);
        if (entity) ctx.output('entityRef', stringifyEntityRef(entity));
        ctx.output('catalogInfoUrl', catalogInfoUrl);
        ctx.logger.info(`Dry run: would register ${catalogInfoUrl} (${LOCAL_GIT_LOCATION_TYPE})`);
        return;
      }

      ctx.logger.info(`Registering ${catalogInfoUrl} (${LOCAL_GIT_LOCATION_TYPE}) in the catalog`);
      const credentials = await ctx.getInitiatorCredentials();
      const location = { type: LOCAL_GIT_LOCATION_TYPE, target: catalogInfoUrl };
      try {
        await options.catalog.addLocation({ ...location, onConflict: 'refresh' }, { credentials });
      } catch (e) {
        if (!optional) throw e;
      }
      try {
        const result = await options.catalog.addLocation(
          { ...location, dryRun: true },
          { credentials },
        );
        const entity = pickEntity(result.entities);
        if (entity) ctx.output('entityRef', stringifyEntityRef(entity));
      } catch (e) {
        if (!optional) throw e;
      }
      ctx.output('catalogInfoUrl', catalogInfoUrl);
    },
  });
}

async function readWorkspaceEntities(workspacePath: string, relPath: string): Promise<Entity[]> {
  try {
    const text = await fs.readFile(resolveSafeChildPath(workspacePath, relPath), 'utf8');
    return parseAllDocuments(text)
      .map(doc => doc.toJS() as Entity)
      .filter(e => e && typeof e === 'object' && e.metadata?.name && e.kind)
      .map(e => ({ ...e, metadata: { namespace: 'default', ...e.metadata } }));
  } catch {
    return [];
  }
}
