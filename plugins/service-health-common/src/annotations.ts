/**
 * Catalog annotations the service-health plugin reads.
 *
 * A service opts in with a base URL; everything else has a default.
 *
 * @public
 */
export const SERVICE_HEALTH_ANNOTATIONS = {
  /**
   * Base URL of the service for the default environment; `/health`, `/ready`
   * and `/metrics` are resolved against it. Per environment:
   * `service-health.io/base-url.<environment>` (e.g. `.staging`).
   */
  baseUrl: 'service-health.io/base-url',
  /** OpenTelemetry `service.name` of the service's spans; defaults to the entity name. */
  otelServiceName: 'service-health.io/otel-service-name',
  /** Prometheus label matchers selecting the service's series, e.g. `job="orders"`. */
  prometheusSelector: 'service-health.io/prometheus-selector',
} as const;

/** @public */
export const DEFAULT_ENVIRONMENT = 'default';

/**
 * The annotation holding the base URL of one environment.
 *
 * @public
 */
export function baseUrlAnnotation(environment: string): string {
  return environment === DEFAULT_ENVIRONMENT
    ? SERVICE_HEALTH_ANNOTATIONS.baseUrl
    : `${SERVICE_HEALTH_ANNOTATIONS.baseUrl}.${environment}`;
}

/**
 * Whether an entity opted in to service health (any base-url annotation).
 *
 * @public
 */
export function isServiceHealthAvailable(entity: {
  metadata: { annotations?: Record<string, string> };
}): boolean {
  return Object.keys(entity.metadata.annotations ?? {}).some(
    key =>
      key === SERVICE_HEALTH_ANNOTATIONS.baseUrl ||
      key.startsWith(`${SERVICE_HEALTH_ANNOTATIONS.baseUrl}.`),
  );
}

/**
 * The environments an entity's base-url annotations name: `default` for
 * `service-health.io/base-url`, `<env>` for `service-health.io/base-url.<env>`.
 * Only those the portal configures are probed; the tab names the others.
 *
 * @public
 */
export function annotatedEnvironments(entity: {
  metadata: { annotations?: Record<string, string> };
}): string[] {
  const prefix = `${SERVICE_HEALTH_ANNOTATIONS.baseUrl}.`;
  return Object.keys(entity.metadata.annotations ?? {}).flatMap(key => {
    if (key === SERVICE_HEALTH_ANNOTATIONS.baseUrl)
      return [DEFAULT_ENVIRONMENT];
    return key.startsWith(prefix) ? [key.slice(prefix.length)] : [];
  });
}
