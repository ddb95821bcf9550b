import {
  isChildPath,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError, ResponseError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import {
  LOCAL_GIT_LOCATION_TYPE,
  parseLocalContentsUrl,
  readLocalRepositoryRoot,
} from '@fastify-backstage/plugin-local-git-node';

export const REGISTER_LOCAL_ACTION_ID = 'fastify:catalog:register-local';
export const REGISTER_ACTION_ID = 'fastify:catalog:register';

const DEFAULT_WAIT_TIMEOUT_SECONDS = 30;
const POLL_INTERVAL_MS = 500;

/** The entity catalog:register reports: the first Component, else the first non-generated entity. */
export function pickEntity(entities: Entity[]): Entity | undefined {
  return (
    entities.find(
      e => !e.metadata.name.startsWith('generated-') && e.kind === 'Component',
    ) ??
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
 *
 * The catalog processes a new location asynchronously, so right after
 * registering, the entity is not readable yet and the task's "Open in catalog"
 * link would show "entity not found". Unless `waitForEntity` is false, the
 * action therefore polls the catalog until `entityRef` is readable, for at most
 * `waitTimeoutSeconds`; on timeout it only warns, since the entity still
 * appears once the catalog gets to it.
 *
 * @public
 */
export function createRegisterLocalAction(options: {
  config: Config;
  catalog: CatalogService;
}) {
  return createRegisterActionFor({
    ...options,
    id: REGISTER_LOCAL_ACTION_ID,
    description:
      'Registers the catalog file of a local repository made by fastify:publish:local in the software catalog (location type local-git).',
    acceptUrls: false,
  });
}

/**
 * `fastify:catalog:register`: one "Register in the catalog" step for every
 * publisher. A local repository's contents URL (fastify:publish:local) is
 * registered as a `local-git` location, anything else (publish:github's
 * `repoContentsUrl`) as a `url` location, as `catalog:register` does; both
 * wait for the entity like `fastify:catalog:register-local`.
 *
 * @public
 */
export function createRegisterAction(options: {
  config: Config;
  catalog: CatalogService;
}) {
  return createRegisterActionFor({
    ...options,
    id: REGISTER_ACTION_ID,
    description:
      "Registers a new repository's catalog file in the software catalog: a local repository (fastify:publish:local) as a local-git location, any other as a url location.",
    acceptUrls: true,
  });
}

function createRegisterActionFor(options: {
  config: Config;
  catalog: CatalogService;
  id: string;
  description: string;
  acceptUrls: boolean;
}) {
  const root = readLocalRepositoryRoot(options.config);
  return createTemplateAction({
    id: options.id,
    description: options.description,
    supportsDryRun: true,
    examples: [
      {
        description:
          'Register the catalog-info.yaml of the repository published by the previous step',
        example: [
          'steps:',
          '  - id: register',
          `    action: ${options.id}`,
          '    input:',
          "      repoContentsUrl: ${{ steps['publish'].output.repoContentsUrl }}",
          '      catalogInfoPath: /catalog-info.yaml',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        repoContentsUrl: z =>
          z.string({
            description:
              'repoContentsUrl output of fastify:publish:local (or of publish:github for fastify:catalog:register)',
          }),
        catalogInfoPath: z =>
          z
            .string({
              description:
                "Path of the catalog file in the repository. Default: '/catalog-info.yaml'.",
            })
            .optional(),
        optional: z =>
          z
            .boolean({
              description:
                'Permit the location to not exist (yet). Default: false.',
            })
            .optional(),
        waitForEntity: z =>
          z
            .boolean({
              description:
                'Wait until the catalog has processed the location and the entity is readable, so that links to it work once the task ends. Default: true.',
            })
            .optional(),
        waitTimeoutSeconds: z =>
          z
            .number({
              description: `How long to wait for the entity at most; after that the step logs a warning and succeeds anyway. Default: ${DEFAULT_WAIT_TIMEOUT_SECONDS}.`,
            })
            .min(0)
            .optional(),
      },
      output: {
        entityRef: z =>
          z
            .string({
              description: 'Ref of the registered Component (or first entity)',
            })
            .optional(),
        catalogInfoUrl: z =>
          z.string({ description: 'The registered location target' }),
      },
    },
    async handler(ctx) {
      const {
        repoContentsUrl,
        catalogInfoPath = '/catalog-info.yaml',
        optional = false,
        waitForEntity = true,
        waitTimeoutSeconds = DEFAULT_WAIT_TIMEOUT_SECONDS,
      } = ctx.input;
      const relPath = catalogInfoPath.replace(/^\/+/, '');
      if (!relPath || relPath.split('/').includes('..')) {
        throw new InputError(
          `catalogInfoPath '${catalogInfoPath}' must be a file path inside the repository`,
        );
      }
      const catalogInfoUrl = `${repoContentsUrl.replace(
        /\/+$/,
        '',
      )}/${relPath}`;
      const parsed = parseLocalContentsUrl(catalogInfoUrl);
      let type: string = LOCAL_GIT_LOCATION_TYPE;
      if (parsed) {
        if (!isChildPath(root, parsed.repoPath)) {
          throw new InputError(
            `repoContentsUrl '${repoContentsUrl}' is outside the local repository root ${root}`,
          );
        }
      } else if (options.acceptUrls && /^https?:\/\//.test(catalogInfoUrl)) {
        type = 'url';
      } else {
        throw new InputError(
          options.acceptUrls
            ? `repoContentsUrl '${repoContentsUrl}' is neither a local repository contents URL (file:///<root>/<name>.git/blob/<branch>) nor an http(s) URL`
            : `repoContentsUrl '${repoContentsUrl}' is not a local repository contents URL (file:///<root>/<name>.git/blob/<branch>); use catalog:register for other hosts`,
        );
      }

      if (ctx.isDryRun) {
        // Nothing registered: report what would be, from the workspace's catalog file.
        const entities = await readWorkspaceEntities(
          ctx.workspacePath,
          relPath,
        );
        const entity = pickEntity(entities);
        if (entity) ctx.output('entityRef', stringifyEntityRef(entity));
        ctx.output('catalogInfoUrl', catalogInfoUrl);
        ctx.logger.info(`Dry run: would register ${catalogInfoUrl} (${type})`);
        return;
      }

      ctx.logger.info(`Registering ${catalogInfoUrl} (${type}) in the catalog`);
      const credentials = await ctx.getInitiatorCredentials();
      const location = { type, target: catalogInfoUrl };
      let registered = false;
      try {
        await options.catalog.addLocation(
          { ...location, onConflict: 'refresh' },
          { credentials },
        );
        registered = true;
      } catch (e) {
        if (!optional) throw refused(catalogInfoUrl, e);
      }
      let entityRef: string | undefined;
      try {
        const result = await options.catalog.addLocation(
          { ...location, dryRun: true },
          { credentials },
        );
        const entity = pickEntity(result.entities);
        if (entity) entityRef = stringifyEntityRef(entity);
      } catch (e) {
        if (!optional) throw refused(catalogInfoUrl, e);
      }

      // Only wait for what was actually registered: an optional location that
      // failed would never produce the entity.
      if (registered && entityRef && waitForEntity) {
        const ref = entityRef;
        ctx.logger.info(
          `Waiting up to ${waitTimeoutSeconds} s for the catalog to process ${ref}`,
        );
        const { found, error } = await waitUntilReadable(
          () => options.catalog.getEntityByRef(ref, { credentials }),
          waitTimeoutSeconds * 1000,
          ctx.signal,
        );
        if (found) {
          ctx.logger.info(`${ref} is in the catalog`);
        } else {
          const cause = error ? ` (last error: ${error})` : '';
          ctx.logger.warn(
            `${ref} is not readable in the catalog yet after ${waitTimeoutSeconds} s${cause}; the location is registered, so the entity appears once the catalog has processed it`,
          );
        }
      }
      if (entityRef) ctx.output('entityRef', entityRef);
      ctx.output('catalogInfoUrl', catalogInfoUrl);
    },
  });
}

/** The catalog's own words for a refused location (a ResponseError's message is only its status). */
function refused(target: string, error: unknown): Error {
  if (error instanceof ResponseError) {
    const reason = error.body?.error?.message ?? error.message;
    return new InputError(`The catalog refused ${target}: ${reason}`);
  }
  return error as Error;
}

/**
 * Polls `read` until it returns an entity or `timeoutMs` has passed. A failing
 * read counts as "not yet" (the catalog may be briefly busy, and the location
 * is registered already); the last error is returned for the warning. Throws
 * when `signal` aborts, so a cancelled task stops at once instead of waiting
 * out the timeout.
 */
async function waitUntilReadable(
  read: () => Promise<Entity | undefined>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ found: boolean; error?: unknown }> {
  const deadline = Date.now() + timeoutMs;
  let error: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      if (await read()) return { found: true };
      error = undefined;
    } catch (e) {
      error = e;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { found: false, error };
    await sleep(Math.min(POLL_INTERVAL_MS, remaining), undefined, { signal });
  }
}

async function readWorkspaceEntities(
  workspacePath: string,
  relPath: string,
): Promise<Entity[]> {
  try {
    const text = await fs.readFile(
      resolveSafeChildPath(workspacePath, relPath),
      'utf8',
    );
    return parseAllDocuments(text)
      .map(doc => doc.toJS() as Entity)
      .filter(e => e && typeof e === 'object' && e.metadata?.name && e.kind)
      .map(e => ({ ...e, metadata: { namespace: 'default', ...e.metadata } }));
  } catch {
    return [];
  }
}
