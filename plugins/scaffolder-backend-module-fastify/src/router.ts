import { Config } from '@backstage/config';
import { ScmIntegrationRegistry } from '@backstage/integration';
import {
  describeLocalRepository,
  listLocalRepositories,
  readLocalRepositoryRoot,
} from '@fastify-backstage/plugin-local-git-node';
import express from 'express';
import Router from 'express-promise-router';
import { githubPublishing, PublishTargetStatus } from './publishTargets';

/**
 * Routes this module adds to the scaffolder's API, under `/api/scaffolder/fastify`
 * (as catalog modules such as incremental ingestion add theirs to the catalog's):
 *
 * - `GET /publish-targets`: whether the portal can publish locally and to
 *   GitHub, so the Create form refuses an impossible choice before the task runs.
 * - `GET /local-repositories`: the names of the repositories made by
 *   `fastify:publish:local`, so the form refuses a taken one (a list, not a
 *   lookup, so that a free name is no 404 in the browser's console).
 * - `GET /local-repositories/:name`: a read-only description of a repository
 *   made by `fastify:publish:local` (branch, commits, files, README), for the
 *   page the task's "Repository" link opens.
 *
 * Both need a signed-in user, like the rest of the scaffolder API.
 */
export function createRouter(options: {
  config: Config;
  integrations: ScmIntegrationRegistry;
}): express.Router {
  const root = readLocalRepositoryRoot(options.config);
  const router = Router();

  router.get('/fastify/publish-targets', async (_req, res) => {
    const targets: PublishTargetStatus[] = [
      { id: 'local', available: true },
      githubPublishing(options.integrations),
    ];
    res.json({ items: targets });
  });

  router.get('/fastify/local-repositories', async (_req, res) => {
    const repositories = await listLocalRepositories(root);
    res.json({
      items: repositories.map(r => ({
        name: r.name,
        defaultBranch: r.defaultBranch,
      })),
    });
  });

  router.get('/fastify/local-repositories/:name', async (req, res) => {
    res.json(await describeLocalRepository(root, req.params.name));
  });

  return router;
}
