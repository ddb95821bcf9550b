import type {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  MAX_STATUS_BATCH,
  OPENSLO_ANNOTATION,
  SloStatusBatchResponse,
  StatusBatchResponse,
} from '@fastify-backstage/plugin-service-health-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { DIRECT_SOURCE_ID, type EnvironmentConfig } from '../config';
import type { OutboundHttp } from '../outbound/OutboundHttp';
import { resolveTargets } from '../targets';
import type { ResolvedTarget } from '../types';
import { entityStatus } from './entityStatus';
import type { StatusStore } from './StatusStore';
import { entitySloStatus } from '../slo/status';
import type { SloService } from '../slo/SloService';
import type { StoredSloStatus } from '../slo/SloStore';

/** The window of the p95 and error rate: the last hour, as on the overview card. */
const METRICS_WINDOW_MS = 3_600_000;

const body = z
  .object({
    entityRefs: z
      .array(z.string().min(1).max(512))
      .max(MAX_STATUS_BATCH, `at most ${MAX_STATUS_BATCH} entity refs`),
    environment: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'invalid environment')
      .optional(),
  })
  .strict();

function parseBody(value: unknown) {
  const result = body.safeParse(value);
  if (!result.success) {
    throw new InputError(
      result.error.issues
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; '),
    );
  }
  const refs = result.data.entityRefs.map(ref => {
    try {
      return stringifyEntityRef(parseEntityRef(ref));
    } catch (e) {
      throw new InputError(`Invalid entity ref "${ref.slice(0, 80)}"`);
    }
  });
  return { refs, environment: result.data.environment };
}

/**
 * `POST /status` and `POST /slos/status`: the catalog status of many entities in one call, from
 * stored probes and samples only (no outbound call). Each entity is read from
 * the catalog with the caller's credentials, so the catalog's permission
 * rules decide per entity; an entity the caller may not read is answered
 * `null`, exactly like one that does not exist.
 */
export function createStatusRouter(options: {
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  store: StatusStore;
  environments: EnvironmentConfig[];
  http: OutboundHttp;
  /** The SLOs' stored evaluations; without them, `/slos/status` answers 404. */
  slos?: Pick<SloService, 'storedStatuses'>;
}): express.Router {
  const { httpAuth, catalog, store, environments, http, slos } = options;
  const router = Router();

  /**
   * The entities of the request read from the catalog with the caller's
   * credentials (one batch read: the catalog applies its permission rules to
   * it), and the target each is judged by: the requested environment, or
   * the entity's first configured one. Entities not found or not readable
   * are absent from `targets` and `found`.
   */
  async function resolveBatch(req: express.Request) {
    const credentials: BackstageCredentials = await httpAuth.credentials(req, {
      allow: ['user'],
    });
    const { refs, environment } = parseBody(req.body);
    if (environment && !environments.some(e => e.name === environment)) {
      throw new InputError(`Unknown environment "${environment}"`);
    }
    const unique = [...new Set(refs)];
    const { items: entities } = unique.length
      ? await catalog.getEntitiesByRefs(
          {
            entityRefs: unique,
            fields: [
              'kind',
              'metadata.name',
              'metadata.namespace',
              'metadata.annotations',
            ],
          },
          { credentials },
        )
      : { items: [] };

    const found = new Set<string>();
    const targets = new Map<string, ResolvedTarget | undefined>();
    const byEnvironment = new Map<string, ResolvedTarget[]>();
    unique.forEach((ref, i) => {
      const entity = entities[i];
      if (!entity) return;
      found.add(ref);
      const all = resolveTargets(entity, environments, http);
      const t = environment
        ? all.find(x => x.environment === environment)
        : all[0];
      targets.set(ref, t);
      if (t && !t.refused) {
        const list = byEnvironment.get(t.environment) ?? [];
        list.push(t);
        byEnvironment.set(t.environment, list);
      }
    });
    return { refs, found, targets, byEnvironment };
  }

  router.post('/status', express.json({ limit: '1mb' }), async (req, res) => {
    const { refs, found, targets, byEnvironment } = await resolveBatch(req);

    const from = Date.now() - METRICS_WINDOW_MS;
    const statuses = new Map<string, ReturnType<typeof entityStatus>>();
    for (const [env, list] of byEnvironment) {
      const dbRefs = list.map(t => t.entityRef);
      const direct = list
        .filter(t => t.metricsSource === DIRECT_SOURCE_ID)
        .map(t => t.entityRef);
      const [standings, samples] = await Promise.all([
        store.standings(dbRefs, env),
        store.sampleEdges(direct, env, from),
      ]);
      for (const t of list) {
        statuses.set(
          t.entityRef,
          entityStatus(
            t.entityRef,
            t,
            standings.get(t.entityRef),
            samples.get(t.entityRef),
          ),
        );
      }
    }

    const answer: StatusBatchResponse = {
      items: refs.map(ref => {
        if (!found.has(ref)) return null;
        const t = targets.get(ref);
        const status =
          (t && statuses.get(t.entityRef)) ??
          entityStatus(ref, t, undefined, undefined);
        // answer with the ref as asked (the catalog matches refs case-insensitively)
        return { ...status, entityRef: ref };
      }),
    };
    res.json(answer);
  });

  /**
   * `POST /slos/status`: the SLO standing of many entities, permission-checked
   * per entity as `/status` is, from the stored evaluations (one primary-key
   * read per entity, no OpenSLO file and no bucket read on this path).
   */
  router.post(
    '/slos/status',
    express.json({ limit: '1mb' }),
    async (req, res) => {
      if (!slos) {
        throw new NotFoundError('SLOs are not enabled');
      }
      const { refs, found, targets, byEnvironment } = await resolveBatch(req);
      const now = Date.now();
      const stored = new Map<string, StoredSloStatus>();
      for (const [env, list] of byEnvironment) {
        const withSlos = list
          .filter(t => t.annotations?.[OPENSLO_ANNOTATION])
          .map(t => t.entityRef);
        if (withSlos.length === 0) continue;
        for (const [ref, s] of await slos.storedStatuses(withSlos, env)) {
          stored.set(`${ref}\u0000${env}`, s);
        }
      }
      const answer: SloStatusBatchResponse = {
        items: refs.map(ref => {
          if (!found.has(ref)) return null;
          const t = targets.get(ref);
          const s = t
            ? stored.get(`${t.entityRef}\u0000${t.environment}`)
            : undefined;
          return { ...entitySloStatus(ref, t, s, now), entityRef: ref };
        }),
      };
      res.json(answer);
    },
  );

  return router;
}
