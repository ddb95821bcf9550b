import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type express from 'express';
import { z } from 'zod';
import type { ResolvedTarget } from '../types';
import { SloDataError } from './evaluate';
import type { SloService } from './SloService';

const query = z.object({
  environment: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'invalid environment')
    .optional(),
});

const MAX_RANGE_MS = 31 * 86_400_000;
const MAX_POINTS = 2000;

const historyQuery = z.object({
  environment: z.string().optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  step: z.coerce.number().int().min(300).max(86_400).optional(),
});

/** from/to (default: the last 24 hours) and step (default: 1 hour; 5 minutes at least, the bucket length). */
function parseRange(input: unknown) {
  const parsed = historyQuery.safeParse(input);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues
        .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; '),
    );
  }
  const q = parsed.data;
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
  const stepSeconds = q.step ?? 3600;
  if (from.getTime() >= to.getTime()) {
    throw new InputError('from must be before to');
  }
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) {
    throw new InputError('The range may be at most 31 days');
  }
  if ((to.getTime() - from.getTime()) / 1000 / stepSeconds > MAX_POINTS) {
    throw new InputError(`At most ${MAX_POINTS} points: use a larger step`);
  }
  return { from, to, stepSeconds };
}

/**
 * The SLO routes of the plugin's router, behind its permission-checked
 * entity lookup:
 *
 * - `GET <base>/slos?environment=`: `SourcedResponse<EntitySlos>`
 * - `GET <base>/slos/history?environment=&from=&to=&step=`: `SourcedResponse<SloHistory>`
 * - `GET <base>/slos/prometheus-rules?environment=`: the Prometheus rules file (YAML)
 */
export function addSloRoutes(
  router: express.Router,
  options: {
    base: string;
    /** The router's lookup: the permitted entity and its target in `environment` (default: the first). */
    entityTarget(
      req: express.Request,
      environment?: string,
    ): Promise<{ entity: Entity; target: ResolvedTarget }>;
    slos: SloService;
  },
) {
  async function resolve(req: express.Request) {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) {
      throw new InputError(
        parsed.error.issues
          .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
          .join('; '),
      );
    }
    return options.entityTarget(req, parsed.data.environment);
  }

  router.get(`${options.base}/slos`, async (req, res) => {
    const { entity, target } = await resolve(req);
    res.json(await options.slos.report(entity, target));
  });

  router.get(`${options.base}/slos/history`, async (req, res) => {
    const range = parseRange(req.query);
    const { entity, target } = await resolve(req);
    res.json(await options.slos.history(entity, target, range));
  });

  router.get(`${options.base}/slos/prometheus-rules`, async (req, res) => {
    const { entity, target } = await resolve(req);
    let yaml;
    try {
      yaml = await options.slos.rules(entity, target);
    } catch (e) {
      if (e instanceof SloDataError) throw new InputError(e.message);
      throw e;
    }
    res
      .type('application/yaml')
      .setHeader(
        'content-disposition',
        `attachment; filename="${entity.metadata.name}-slo-rules.yaml"`,
      )
      .send(yaml);
  });
}
