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
    version: z.string().optional().catch(undefined),
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
 * Probes one health endpoint.
 * - no answer / timeout / refused connection / 5xx without a health body: `down`
 * - a health+json body: its `status` (`fail` usually with 503)
 * - 2xx without a health body: `pass`; 4xx: `fail`
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
    let body: HealthResponse | undefined;
    const text = res.body.toString('utf8');
    if (text.trim().startsWith('{')) {
      try {
        const parsed = healthBody.safeParse(JSON.parse(text));
        if (parsed.success) body = parsed.data as HealthResponse;
      } catch {
        // not JSON: judged by the status code alone
      }
    }
    let st: ProbeStatus;
    let error: string | undefined;
    if (body) {
      st = body.status;
      if (res.status >= 500 && st === 'pass') st = 'fail';
    } else if (res.status >= 200 && res.status < 300) {
      st = 'pass';
    } else if (res.status >= 500) {
      st = 'down';
      error = `HTTP ${res.status}`;
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
    checkedAt: new Date().toISOString(),
  };
}
