import { InputError } from '@backstage/errors';
import {
  OPENSLO_METRIC_SOURCE_TYPE,
  SloDefinition,
  SloIndicator,
} from '@fastify-backstage/plugin-service-health-common';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/**
 * Reads the part of OpenSLO v1 (https://github.com/OpenSLO/OpenSLO) this
 * plugin can compute: `kind: SLO` documents with an inline `indicator` or an
 * `indicatorRef` to a `kind: SLI` document of the same file, whose
 * `ratioMetric` counts events of the service's `http_request_duration_seconds`
 * histogram through the `fastify-backstage` metric source:
 *
 * - availability: good `events: non-5xx`, total `events: all`
 * - latency: good `events: faster-than` with `threshold` (e.g. `300ms`, a bucket
 *   bound of the histogram), total `events: all`
 *
 * over a rolling `timeWindow` with `budgetingMethod: Occurrences`. Anything
 * else is rejected with an InputError saying what and where, never ignored,
 * so a file never silently means less than it says.
 */

const MAX_FILE_BYTES = 256 * 1024;
const MAX_SLOS = 50;
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const DURATION_UNITS: Record<string, number> = {
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

/** `28d`, `6h`, `1w`, `30m` → seconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,4})(m|h|d|w)$/.exec(text);
  return m ? Number(m[1]) * DURATION_UNITS[m[2]] : undefined;
}

/** `300ms`, `0.3s`, `0.3` (seconds) → seconds. */
function parseThreshold(value: string | number): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s)$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

const metadata = z.object({
  name: z.string().regex(NAME, 'must be a DNS label (a-z, 0-9, -)'),
  displayName: z.string().max(256).optional(),
});

const eventSource = z.object({
  metricSource: z.object({
    type: z.literal(OPENSLO_METRIC_SOURCE_TYPE, {
      errorMap: () => ({
        message: `must be "${OPENSLO_METRIC_SOURCE_TYPE}" (the service's own http_request_duration_seconds histogram; other metric sources are not supported)`,
      }),
    }),
    spec: z.object({
      events: z.enum(['all', 'non-5xx', 'faster-than']),
      threshold: z.union([z.string(), z.number()]).optional(),
    }),
  }),
});

const sliSpec = z
  .object({
    ratioMetric: z
      .object({
        counter: z.literal(true, {
          errorMap: () => ({
            message: 'must be true (the events are counters)',
          }),
        }),
        good: eventSource.optional(),
        bad: z.unknown().optional(),
        total: eventSource,
      })
      .strict()
      .refine(r => r.bad === undefined, {
        message: 'use "good" events; "bad" is not supported',
      })
      .refine(r => r.good !== undefined, { message: 'needs "good" events' }),
    thresholdMetric: z.unknown().optional(),
  })
  .refine(s => s.thresholdMetric === undefined, {
    message:
      'thresholdMetric is not supported: write latency as a ratioMetric of requests faster than a threshold',
  });

const sliDocument = z.object({
  apiVersion: z.literal('openslo/v1'),
  kind: z.literal('SLI'),
  metadata,
  spec: sliSpec,
});

const objective = z
  .object({
    displayName: z.string().max(256).optional(),
    name: z.string().regex(NAME).optional(),
    target: z.number().gt(0).lt(1).optional(),
    targetPercent: z.number().gt(0).lt(100).optional(),
    op: z.unknown().optional(),
    value: z.unknown().optional(),
  })
  .refine(o => (o.target === undefined) !== (o.targetPercent === undefined), {
    message: 'needs exactly one of target (0-1) or targetPercent (0-100)',
  })
  .refine(o => o.op === undefined && o.value === undefined, {
    message: 'op/value belong to thresholdMetric SLIs, which are not supported',
  });

const sloDocument = z.object({
  apiVersion: z.literal('openslo/v1'),
  kind: z.literal('SLO'),
  metadata,
  spec: z
    .object({
      description: z.string().max(1050).optional(),
      service: z.string().optional(),
      indicator: z.object({ metadata, spec: sliSpec }).optional(),
      indicatorRef: z.string().optional(),
      timeWindow: z
        .array(
          z.object({
            duration: z.string(),
            isRolling: z.literal(true, {
              errorMap: () => ({
                message: 'must be true (calendar windows are not supported)',
              }),
            }),
          }),
        )
        .length(1, 'needs exactly one rolling window'),
      budgetingMethod: z.literal('Occurrences', {
        errorMap: () => ({
          message: 'must be "Occurrences" (Timeslices is not supported)',
        }),
      }),
      objectives: z.array(objective).min(1).max(10),
      alertPolicies: z.unknown().optional(),
    })
    .refine(
      s => (s.indicator === undefined) !== (s.indicatorRef === undefined),
      {
        message: 'needs exactly one of indicator or indicatorRef',
      },
    ),
});

function issues(error: z.ZodError, where: string) {
  return error.issues
    .map(
      i =>
        `${where}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`,
    )
    .join('; ');
}

function indicatorOf(
  spec: z.infer<typeof sliSpec>,
  where: string,
): SloIndicator {
  const { good, total } = spec.ratioMetric!;
  if (total.metricSource.spec.events !== 'all') {
    throw new InputError(`${where}: total must count "all" events`);
  }
  const g = good!.metricSource.spec;
  if (g.events === 'non-5xx') {
    if (g.threshold !== undefined) {
      throw new InputError(`${where}: threshold only applies to faster-than`);
    }
    return { type: 'availability' };
  }
  if (g.events === 'faster-than') {
    const thresholdSeconds =
      g.threshold === undefined ? undefined : parseThreshold(g.threshold);
    if (thresholdSeconds === undefined) {
      throw new InputError(
        `${where}: faster-than needs a threshold such as "300ms" or "0.3s"`,
      );
    }
    return { type: 'latency', thresholdSeconds };
  }
  throw new InputError(`${where}: good events must be non-5xx or faster-than`);
}

/**
 * The SLOs of an OpenSLO file (one `SloDefinition` per objective).
 * Throws InputError for anything it cannot compute.
 */
export function parseOpenSlo(
  text: string,
  options: { maxWindowSeconds: number },
): SloDefinition[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new InputError(
      `The OpenSLO file is larger than ${MAX_FILE_BYTES / 1024} KiB`,
    );
  }
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const slis = new Map<string, z.infer<typeof sliDocument>>();
  const slos: Array<{ doc: z.infer<typeof sloDocument>; where: string }> = [];
  list.forEach((doc, index) => {
    const where = `document ${index + 1}`;
    if (doc.errors.length > 0) {
      throw new InputError(`${where}: invalid YAML: ${doc.errors[0].message}`);
    }
    // a bounded alias expansion: no billion laughs
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return; // an empty document
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${where}: must be a mapping`);
    }
    if (value.apiVersion !== 'openslo/v1') {
      throw new InputError(
        `${where}: apiVersion must be openslo/v1 (found ${JSON.stringify(
          value.apiVersion ?? null,
        )})`,
      );
    }
    if (value.kind === 'SLI') {
      const parsed = sliDocument.safeParse(value);
      if (!parsed.success) throw new InputError(issues(parsed.error, where));
      slis.set(parsed.data.metadata.name, parsed.data);
    } else if (value.kind === 'SLO') {
      const parsed = sloDocument.safeParse(value);
      if (!parsed.success) throw new InputError(issues(parsed.error, where));
      slos.push({ doc: parsed.data, where });
    }
    // Other OpenSLO kinds (Service, AlertPolicy, DataSource, ...) describe
    // things this plugin does not use; they may share the file.
  });
  if (slos.length === 0) {
    throw new InputError('The OpenSLO file has no document of kind SLO');
  }
  const result: SloDefinition[] = [];
  const names = new Set<string>();
  for (const { doc, where } of slos) {
    const at = `${where} (SLO ${doc.metadata.name})`;
    let sli = doc.spec.indicator?.spec;
    if (doc.spec.indicatorRef !== undefined) {
      sli = slis.get(doc.spec.indicatorRef)?.spec;
      if (!sli) {
        throw new InputError(
          `${at}: indicatorRef "${doc.spec.indicatorRef}" names no SLI document of this file`,
        );
      }
    }
    const indicator = indicatorOf(sli!, at);
    const window = doc.spec.timeWindow[0].duration;
    const windowSeconds = parseDuration(window);
    if (windowSeconds === undefined) {
      throw new InputError(
        `${at}: timeWindow duration "${window}" must be a number and m, h, d or w (e.g. 28d)`,
      );
    }
    if (windowSeconds < 3600 || windowSeconds > options.maxWindowSeconds) {
      throw new InputError(
        `${at}: timeWindow must be between 1h and ${
          options.maxWindowSeconds / 86_400
        }d (the history kept)`,
      );
    }
    doc.spec.objectives.forEach((o, i) => {
      const name =
        doc.spec.objectives.length === 1
          ? doc.metadata.name
          : `${doc.metadata.name}/${o.name ?? i + 1}`;
      if (names.has(name)) {
        throw new InputError(`${at}: duplicate SLO name "${name}"`);
      }
      names.add(name);
      result.push({
        name,
        displayName: o.displayName ?? doc.metadata.displayName,
        description: doc.spec.description,
        indicator,
        // 99.9 / 100 is 0.9990000000000001 in binary: keep the decimal the file meant
        target: o.target ?? Number((o.targetPercent! / 100).toPrecision(12)),
        window,
        windowSeconds,
      });
    });
  }
  if (result.length > MAX_SLOS) {
    throw new InputError(`The OpenSLO file has more than ${MAX_SLOS} SLOs`);
  }
  return result;
}
