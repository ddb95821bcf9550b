import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  baseUrlAnnotation,
  SERVICE_HEALTH_ANNOTATIONS,
} from '@fastify-backstage/plugin-service-health-common';
import type { EnvironmentConfig } from './config';
import { OutboundHttp } from './outbound/OutboundHttp';
import type { ResolvedTarget } from './types';

const SERVICE_NAME = /^[A-Za-z0-9._\-/:@]{1,255}$/;

/**
 * The targets of an entity: one per configured environment whose base-url
 * annotation the entity has. A target whose URL is invalid or whose host is
 * not allowed is returned with `refused` set; it is never called.
 */
export function resolveTargets(
  entity: Entity,
  environments: EnvironmentConfig[],
  http: OutboundHttp,
): ResolvedTarget[] {
  const annotations = entity.metadata.annotations ?? {};
  const entityRef = stringifyEntityRef(entity);
  const otel = annotations[SERVICE_HEALTH_ANNOTATIONS.otelServiceName]?.trim();
  const serviceName =
    otel && SERVICE_NAME.test(otel) ? otel : entity.metadata.name;
  const targets: ResolvedTarget[] = [];
  for (const env of environments) {
    const raw = annotations[baseUrlAnnotation(env.name)]?.trim();
    if (!raw) continue;
    let baseUrl = raw.replace(/\/+$/, '');
    let refused: string | undefined;
    try {
      const url = http.assertAllowed(baseUrl);
      if (url.search || url.hash)
        throw new Error('Base URL must not have a query or fragment');
      baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch (e) {
      refused = (e as Error).message;
    }
    targets.push({
      entityRef,
      environment: env.name,
      serviceName,
      baseUrl,
      annotations,
      refused,
      metricsSource: env.metricsSource,
      tracesSource: env.tracesSource,
    });
  }
  return targets;
}
