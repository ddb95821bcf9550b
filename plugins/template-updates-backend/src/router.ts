import {
  HttpAuthService,
  isChildPath,
  LoggerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  compareLocalBranches,
  LOCAL_GIT_LOCATION_TYPE,
  localRepositoryLocation,
} from '@fastify-backstage/plugin-local-git-node';
import { BranchComparison } from '@fastify-backstage/plugin-template-updates-common';
import express from 'express';
import Router from 'express-promise-router';
import fs from 'node:fs';
import { z } from 'zod';
import { readTemplateDrift } from './drift';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  urlReader: UrlReaderService;
  logger: LoggerService;
  /** The local publisher's repository root (scaffolder.fastify.localRepositoryRoot). */
  localRepositoryRoot: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const entityParams = z.object({
  kind: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'invalid kind'),
  namespace: z.string().regex(NAME, 'invalid namespace'),
  name: z.string().regex(NAME, 'invalid name'),
});
const compareQuery = z.object({
  base: z.string().regex(NAME, 'invalid base branch'),
  head: z.string().regex(NAME, 'invalid head branch'),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(result.error.issues.map(i => i.message).join('; '));
  }
  return result.data;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, catalog, urlReader, localRepositoryRoot } = options;
  const router = Router();
  router.use(express.json());

  router.get('/entities/:kind/:namespace/:name/drift', async (req, res) => {
    const params = parse(entityParams, req.params);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const ref = stringifyEntityRef(params);
    // The catalog applies read permissions: an entity the caller may not see is not found.
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`${ref} is not in the catalog`);
    res.json(
      await readTemplateDrift({ entity, catalog, urlReader, credentials }),
    );
  });

  router.get('/local/:repository/compare', async (req, res) => {
    const { repository } = parse(
      z.object({ repository: z.string().regex(NAME, 'invalid repository') }),
      req.params,
    );
    const { base, head } = parse(compareQuery, req.query);
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const location = localRepositoryLocation(
      localRepositoryRoot,
      repository,
      base,
    );
    if (
      !isChildPath(localRepositoryRoot, location.path) ||
      !fs.existsSync(location.path)
    ) {
      throw new NotFoundError(`No local repository '${repository}'`);
    }
    // Only for callers who may read a catalog entity of that repository.
    const { items } = await catalog.getEntities(
      {
        filter: {
          'metadata.annotations.backstage.io/managed-by-location': `${LOCAL_GIT_LOCATION_TYPE}:${location.repoContentsUrl}/catalog-info.yaml`,
        },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
      },
      { credentials },
    );
    if (!items.length) {
      throw new NotFoundError(
        `No catalog entity you can see comes from the local repository '${repository}'`,
      );
    }
    const comparison = await compareLocalBranches(location.path, base, head);
    const body: BranchComparison = {
      repository,
      base,
      head,
      headCommit: comparison.headCommit,
      files: comparison.files,
    };
    res.json(body);
  });

  return router;
}
