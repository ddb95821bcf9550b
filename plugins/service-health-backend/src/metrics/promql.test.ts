import { SourceError } from '../errors';
import { PrometheusMetricsSource } from './PrometheusMetricsSource';
import {
  defaultMatchers,
  formatLabelMatchers,
  parseLabelMatchers,
  promqlTemplates,
} from './promql';

describe('label matchers', () => {
  it('parses and re-serialises valid selectors', () => {
    const m = parseLabelMatchers(
      '{job="orders", env=~"prod|staging",team!="x\\"y"}',
    );
    expect(m).toEqual([
      { name: 'job', op: '=', value: 'orders' },
      { name: 'env', op: '=~', value: 'prod|staging' },
      { name: 'team', op: '!=', value: 'x"y' },
    ]);
    expect(formatLabelMatchers(m)).toBe(
      'job="orders",env=~"prod|staging",team!="x\\"y"',
    );
  });

  it.each([
    'job="a"} or vector(1) #',
    'job="a"}[5m])) or up{',
    'job=orders',
    '__name__="up"',
    'job="a" job="b"',
    'job="a\nb"',
    'job=~"(unclosed"',
    '',
    'sum(up)',
  ])('rejects %j', text => {
    expect(() => parseLabelMatchers(text)).toThrow();
  });

  it('accepts a trailing comma like PromQL', () => {
    expect(parseLabelMatchers('job="a",')).toHaveLength(1);
  });

  it('puts only parsed matchers into the templates', () => {
    const q = promqlTemplates.requestsByRoute(
      parseLabelMatchers('job="a\\\\b"'),
      300,
    );
    expect(q).toBe(
      'sum by (method, route) (increase(http_request_duration_seconds_count{job="a\\\\b"}[300s]))',
    );
    expect(defaultMatchers('job="{{name}}"', 'x"} or vector(1)')).toEqual([
      { name: 'job', op: '=', value: 'x"} or vector(1)' },
    ]);
    expect(
      promqlTemplates.residentMemory(
        defaultMatchers('job="{{name}}"', 'x"} or vector(1)'),
      ),
    ).toBe('sum(process_resident_memory_bytes{job="x\\"} or vector(1)"})');
  });
});

describe('the Prometheus source reads the selector annotation itself', () => {
  const source = new PrometheusMetricsSource(
    {
      id: 'prometheus',
      baseUrl: 'http://127.0.0.1:9',
      defaultSelector: 'job="{{name}}"',
      timeoutMs: 1000,
    },
    1024,
  );
  const target = (annotations?: Record<string, string>) => ({
    entityRef: 'component:default/orders',
    environment: 'default',
    serviceName: 'orders-svc',
    baseUrl: 'http://127.0.0.1:9',
    metricsSource: 'prometheus',
    annotations,
  });

  it('uses the annotation, else the default selector', () => {
    expect(
      source.matchers(
        target({ 'service-health.io/prometheus-selector': 'app="x"' }),
      ),
    ).toEqual([{ name: 'app', op: '=', value: 'x' }]);
    expect(source.matchers(target())).toEqual([
      { name: 'job', op: '=', value: 'orders-svc' },
    ]);
  });

  it('reports an invalid annotation as an error of the source', () => {
    let error: any;
    try {
      source.matchers(
        target({ 'service-health.io/prometheus-selector': 'app=' }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SourceError);
    expect(error.reason).toBe('invalid');
  });
});
