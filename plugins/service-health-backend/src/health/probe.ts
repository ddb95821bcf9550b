import type {
  DependencyCheck,
  EndpointProbe,
  HealthResponse,
  HealthSnapshot,
  ProbeStatus,
} from '@fastify-backstage/plugin-service-health-common';
import { z } from 'zod';
import { OutboundHttp } from '../outbound/OutboundHttp';
import type { ResolvedTarget } from '../types';

const status = z.enum(['pass', 'warn', 'fail']);
const healthBody = z
  .object({
    status: z
      .string()
      .transform(s => s.toLowerCase())
      .transform(s => {
        if (s === 'ok' || s === 'up') return 'pass';
        if (s === 'down' || s === 'error') return 'fail';
        return s;
      })
      .pipe(status),
    version: z.string().max(256).optional().catch(undefined),
    releaseId: z.string().max(256).optional().catch(undefined),
    serviceId: z.string().optional().catch(undefined),
    description: z.string().optional().catch(undefined),
    output: z.string().optional().catch(undefined),
    checks: z
      .record(
        z.array(
          z
            .object({
              componentId: z.string().optional().catch(undefined),
              componentType: z.string().optional().catch(undefined),
              observedValue: z.unknown().optional(),
              observedUnit: z.string().optional().catch(undefined),
              status: z
                .string()
                .transform(s => s.toLowerCase())
                .pipe(status)
                .catch('fail'),
              time: z.string().optional().catch(undefined),
              output: z.string().optional().catch(undefined),
            })
            .passthrough(),
        ),
      )
      .optional()
      .catch(undefined),
  })
  .passthrough();

const RANK: Record<ProbeStatus, number> = {
  pass: 0,
  warn: 1,
  fail: 2,
  down: 3,
};
export const worst = (...s: ProbeStatus[]) =>
  s.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'pass' as ProbeStatus);

/**
 * Reads a health response body: the document when it is a health+json (or
 * compatible JSON with a status), `empty` for no body or plain text (a bare
 * `OK`), `invalid` for anything else: JSON that does not parse or has no
 * usable status, HTML (e.g. a web app answering every path), other types.
 */
function readHealthBody(
  text: string,
  contentType: string | undefined,
): { body: HealthResponse } | { empty: true } | { invalid: string } {
  const trimmed = text.trim();
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (trimmed === '') return { empty: true };
  const looksJson = /[/+]json$/.test(type) || trimmed.startsWith('{');
  if (looksJson) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      return { invalid: 'body is not valid JSON' };
    }
    const parsed = healthBody.safeParse(json);
    if (parsed.success) return { body: parsed.data as HealthResponse };
    return { invalid: 'JSON body without a valid health status' };
  }
  if (type === 'text/plain' || type === '') return { empty: true };
  return { invalid: `not a health response (${type})` };
}

/**
 * Probes one health endpoint.
 * - no answer / timeout / refused connection / 5xx without a health body: `down`
 * - a health+json body: its `status` (`fail` usually with 503)
 * - 2xx with no body or plain text: `pass`; 2xx with a body that cannot be
 *   read as health (invalid JSON, HTML...): `fail`, never `pass`; 4xx: `fail`
 */
export async function probeEndpoint(
  http: OutboundHttp,
  url: string,
  signal?: AbortSignal,
): Promise<{ probe: EndpointProbe; body?: HealthResponse }> {
  const started = performance.now();
  const checkedAt = new Date().toISOString();
  try {
    const res = await http.request(url, {
      headers: { accept: 'application/health+json, application/json;q=0.9' },
      signal,
    });
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const contentType = res.headers['content-type'];
    const read = readHealthBody(res.body.toString('utf8'), contentType);
    const body = 'body' in read ? read.body : undefined;
    let st: ProbeStatus;
    let error: string | undefined;
    if (body) {
      st = body.status;
      if (res.status >= 500 && st === 'pass') st = 'fail';
    } else if (res.status >= 500) {
      st = 'down';
      error = `HTTP ${res.status}`;
    } else if ('invalid' in read) {
      // An answer we cannot read says nothing about health: not a pass.
      st = 'fail';
      error = `HTTP ${res.status}, unreadable health body: ${read.invalid}`;
    } else if (res.status >= 200 && res.status < 300) {
      st = 'pass';
    } else {
      st = 'fail';
      error = `HTTP ${res.status}`;
    }
    return {
      probe: {
        url,
        status: st,
        httpStatus: res.status,
        latencyMs,
        checkedAt,
        error,
      },
      body,
    };
  } catch (e) {
    return {
      probe: {
        url,
        status: 'down',
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        checkedAt,
        error: (e as Error).message,
      },
    };
  }
}

function flattenChecks(
  ...bodies: Array<HealthResponse | undefined>
): DependencyCheck[] {
  const out = new Map<string, DependencyCheck>();
  for (const body of bodies) {
    for (const [name, results] of Object.entries(body?.checks ?? {})) {
      results.forEach((r, i) => {
        const key = results.length > 1 ? `${name}#${r.componentId ?? i}` : name;
        if (out.has(key)) return;
        out.set(key, {
          name,
          componentId: r.componentId,
          componentType: r.componentType,
          status: r.status,
          observedValue: r.observedValue,
          observedUnit: r.observedUnit,
          time: r.time,
          output: r.output,
        });
      });
    }
  }
  return [...out.values()];
}

/** Probes `/health` and `/ready` of a target at the same time. */
export async function probeTarget(
  http: OutboundHttp,
  target: ResolvedTarget,
  signal?: AbortSignal,
): Promise<HealthSnapshot> {
  const [live, ready] = await Promise.all([
    probeEndpoint(http, `${target.baseUrl}/health`, signal),
    probeEndpoint(http, `${target.baseUrl}/ready`, signal),
  ]);
  return {
    entityRef: target.entityRef,
    environment: target.environment,
    status: worst(live.probe.status, ready.probe.status),
    liveness: live.probe,
    readiness: ready.probe,
    // readiness first: its dependency checks are the interesting ones
    checks: flattenChecks(ready.body, live.body),
    version: ready.body?.version ?? live.body?.version,
    releaseId: ready.body?.releaseId ?? live.body?.releaseId,
    checkedAt: new Date().toISOString(),
  };
}
