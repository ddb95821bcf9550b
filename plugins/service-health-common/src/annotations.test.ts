import {
  annotatedEnvironments,
  baseUrlAnnotation,
  DEFAULT_ENVIRONMENT,
  isServiceHealthAvailable,
} from './annotations';

const entity = (annotations: Record<string, string>) => ({
  metadata: { annotations },
});

describe('annotations', () => {
  it('finds the base URL of the default environment and named ones', () => {
    expect(baseUrlAnnotation(DEFAULT_ENVIRONMENT)).toBe(
      'service-health.io/base-url',
    );
    expect(baseUrlAnnotation('staging')).toBe(
      'service-health.io/base-url.staging',
    );
  });

  it('treats any base-url annotation as opting in', () => {
    expect(isServiceHealthAvailable(entity({}))).toBe(false);
    expect(
      isServiceHealthAvailable(
        entity({ 'service-health.io/base-url': 'http://localhost:8080' }),
      ),
    ).toBe(true);
    expect(
      isServiceHealthAvailable(
        entity({ 'service-health.io/base-url.staging': 'http://s:8080' }),
      ),
    ).toBe(true);
    expect(
      isServiceHealthAvailable(
        entity({ 'service-health.io/base-urlx': 'http://s:8080' }),
      ),
    ).toBe(false);
  });

  it('lists the environments the base-url annotations name', () => {
    expect(
      annotatedEnvironments(
        entity({
          'service-health.io/base-url': 'http://a',
          'service-health.io/base-url.staging': 'http://b',
          'service-health.io/otel-service-name': 'a',
        }),
      ),
    ).toEqual(['default', 'staging']);
    expect(annotatedEnvironments({ metadata: {} })).toEqual([]);
  });
});
