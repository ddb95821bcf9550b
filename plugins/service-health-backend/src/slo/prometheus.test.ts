import type { SloDefinition } from '@fastify-backstage/plugin-service-health-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { PrometheusMetricsSource } from '../metrics/PrometheusMetricsSource';
import type { ResolvedTarget } from '../types';
import { BUCKET_MS } from './buckets';
import { historyFromPrometheus } from './history';
import { reportFromPrometheus } from './PrometheusSlos';
import { sloRulesYaml } from './promql';
import {
  startBackfilledPrometheus,
  promtool,
} from './__testUtils__/backfilledPrometheus';
import {
  knownCounts,
  scenario,
  syntheticSamples,
  toOpenMetrics,
} from './__testUtils__/history';

jest.setTimeout(180_000);

const END = Math.floor(Date.UTC(2026, 10, 20, 12) / BUCKET_MS) * BUCKET_MS;

const availability: SloDefinition = {
  name: 'availability',
  indicator: { type: 'availability' },
  target: 0.999,
  window: '28d',
  windowSeconds: 28 * 86_400,
};
const latency: SloDefinition = {
  name: 'latency',
  indicator: { type: 'latency', thresholdSeconds: 0.3 },
  target: 0.95,
  window: '28d',
  windowSeconds: 28 * 86_400,
};
/*
 * The backfill makes one TSDB block per 2 hours of history (promtool 2.42 has
 * no larger block option): 28 days took 90 s here, so Prometheus gets 3 days
 * and SLOs with a 3-day window. The 28-day window is covered on the direct
 * source and by the exported rules.
 */
const DAYS = 3;
const availability3d: SloDefinition = {
  ...availability,
  window: '3d',
  windowSeconds: DAYS * 86_400,
};
const latency3d: SloDefinition = {
  ...latency,
  window: '3d',
  windowSeconds: DAYS * 86_400,
};

const target = (name: string): ResolvedTarget => ({
  entityRef: `component:default/${name}`,
  environment: 'prom',
  serviceName: name,
  baseUrl: 'http://127.0.0.1:1',
  metricsSource: 'prometheus',
});

/** Relative closeness: increase() and rate() extrapolate to the window's edges. */
const near = (
  actual: number | undefined,
  expected: number,
  tolerance = 0.01,
) => {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(
    Math.abs(expected) * tolerance + 1e-9,
  );
};

/**
 * The same synthetic histories as the direct test, backfilled into a real
 * Prometheus: the PromQL built from the SLO must give the known answers.
 */
describe('SLOs from a real Prometheus', () => {
  let prometheus: Awaited<ReturnType<typeof startBackfilledPrometheus>>;
  let source: PrometheusMetricsSource;
  const fast = scenario('fast-burn', END, DAYS);
  const slow = scenario('slow-burn', END, DAYS);

  beforeAll(async () => {
    const text = [
      toOpenMetrics(syntheticSamples(fast), { job: 'fast' }),
      toOpenMetrics(syntheticSamples(slow), { job: 'slow' }),
    ];
    // one metric family per file section: merge the two jobs' series under one header
    const body = text
      .map(t => t.split('\n').filter(l => l && !l.startsWith('#')))
      .flat();
    const om = [
      '# HELP http_request_duration_seconds Duration of HTTP requests in seconds',
      '# TYPE http_request_duration_seconds histogram',
      ...body,
      '# EOF',
      '',
    ].join('\n');
    prometheus = await startBackfilledPrometheus(om);
    source = new PrometheusMetricsSource(
      {
        id: 'prometheus',
        baseUrl: prometheus.url,
        defaultSelector: 'job="{{name}}"',
        timeoutMs: 30_000,
      },
      16 * 1024 * 1024,
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('pages on the fast burn', async () => {
    const report = await reportFromPrometheus(
      availability3d,
      source.matchers(target('fast')),
      source,
      new Date(END),
    );
    const window = knownCounts(fast, DAYS * 1440, 'availability');
    expect(window).toEqual({ total: 4_320_000, bad: 3000 + 1200 });
    near(report.totalEvents, window.total, 0.002);
    near(report.badEvents, window.bad, 0.01);
    near(report.sli, 1 - 4200 / 4_320_000, 0.0001);
    near(report.errorBudgetRemaining, 1 - 4200 / 4320, 0.05);
    near(report.burnRates['5m'], 20);
    near(report.burnRates['30m'], 20);
    near(report.burnRates['1h'], 20);
    near(report.burnRates['6h'], 20 / 6, 0.02);
    expect(report.alerts).toEqual({ page: true, ticket: false });
    expect(report.status).toBe('page');

    const lat = await reportFromPrometheus(
      latency3d,
      source.matchers(target('fast')),
      source,
      new Date(END),
    );
    near(lat.sli, 0.98, 0.001);
    near(lat.burnRates['1h'], 0.4);
    expect(lat.status).toBe('ok');
  });

  it('tickets on the slow burn, across the restart', async () => {
    const report = await reportFromPrometheus(
      availability3d,
      source.matchers(target('slow')),
      source,
      new Date(END),
    );
    near(report.totalEvents, 4_320_000, 0.002);
    near(report.badEvents, 3000 + 2880, 0.01);
    // overspent (5,880 bad of a 4,320 budget) but a slow burn: ticket outranks exhausted
    near(report.errorBudgetRemaining, 1 - 5880 / 4320, 0.01);
    for (const w of ['5m', '30m', '1h', '6h'] as const) {
      near(report.burnRates[w], 8);
    }
    expect(report.alerts).toEqual({ page: false, ticket: true });
    expect(report.status).toBe('ticket');
  });

  it('gives the budget over a range', async () => {
    const points = await historyFromPrometheus(
      availability3d,
      source.matchers(target('fast')),
      source,
      {
        from: new Date(END - 2 * 3_600_000),
        to: new Date(END),
        stepSeconds: 3600,
      },
    );
    expect(points.map(p => p.t)).toEqual([END - 3_600_000, END]);
    // an hour ago only the old incident (3,000 bad of a 4,320 budget); now also the fast burn
    near(points[0].errorBudgetRemaining, 1 - 3000 / 4320, 0.02);
    near(points[1].errorBudgetRemaining, 1 - 4200 / 4320, 0.05);
  });

  it('says when the threshold is not a bucket bound, and when there is no data', async () => {
    await expect(
      reportFromPrometheus(
        {
          ...latency3d,
          indicator: { type: 'latency', thresholdSeconds: 0.25 },
        },
        source.matchers(target('fast')),
        source,
        new Date(END),
      ),
    ).rejects.toThrow(/threshold 0.25s of SLO latency is not a bucket bound/);
    const none = await reportFromPrometheus(
      availability3d,
      source.matchers(target('nobody')),
      source,
      new Date(END),
    );
    expect(none.status).toBe('no-data');
  });
});

describe('exported Prometheus rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sh-slo-rules-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const labels = {
    slo_id: 'orders-availability',
    slo_service: 'orders',
    slo_name: 'availability',
  };

  it('pass promtool check rules, and promtool test rules pages on a fast burn and tickets on a slow one', async () => {
    const yaml = sloRulesYaml(
      'orders',
      [availability, latency],
      [{ name: 'job', op: '=', value: 'orders' }],
    );
    fs.writeFileSync(path.join(dir, 'rules.yaml'), yaml);
    const checked = await promtool(['check', 'rules', 'rules.yaml'], dir);
    expect(checked.stdout).toContain('SUCCESS: 24 rules found');

    const series = (job: string, errors: string, minutes: number) => [
      {
        series: `http_request_duration_seconds_count{job="${job}",status_code="200"}`,
        values: `0+1000x${minutes}`,
      },
      {
        series: `http_request_duration_seconds_count{job="${job}",status_code="500"}`,
        values: errors,
      },
    ];
    const alerts = (job: string) => ({
      ...labels,
      slo_id: `${job}-availability`,
      slo_service: job,
    });
    const tests = {
      rule_files: ['rules.yaml', 'rules-slow.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          // 5 quiet hours, then 20 errors a minute (~2 %, burn ~20×) for an hour
          input_series: series('orders', '0x300 20+20x59', 360),
          alert_rule_test: [
            {
              eval_time: '360m',
              alertname: 'SloErrorBudgetBurnPage',
              exp_alerts: [
                {
                  exp_labels: {
                    ...alerts('orders'),
                    slo_window: '1h',
                    severity: 'page',
                  },
                  exp_annotations: {
                    summary:
                      'orders: SLO availability burns its error budget 14.4× too fast',
                    description:
                      'The error ratio over 1h and over 5m is above 14.4× the budget of 0.001 (objective 0.999 over 28d).',
                  },
                },
              ],
            },
            {
              eval_time: '360m',
              alertname: 'SloErrorBudgetBurnTicket',
              exp_alerts: [],
            },
          ],
        },
        {
          interval: '1m',
          // 8 errors a minute (~0.8 %, burn ~8×) for 6 h and more
          input_series: series('slow', '0+8x400', 400),
          alert_rule_test: [
            {
              eval_time: '400m',
              alertname: 'SloErrorBudgetBurnPage',
              exp_alerts: [],
            },
            {
              eval_time: '400m',
              alertname: 'SloErrorBudgetBurnTicket',
              exp_alerts: [
                {
                  exp_labels: {
                    ...alerts('slow'),
                    slo_window: '6h',
                    severity: 'ticket',
                  },
                  exp_annotations: {
                    summary:
                      'slow: SLO availability burns its error budget 6× too fast',
                    description:
                      'The error ratio over 6h and over 30m is above 6× the budget of 0.001 (objective 0.999 over 28d).',
                  },
                },
              ],
            },
          ],
          promql_expr_test: [
            {
              expr: 'round(slo:current_burn_rate:ratio{slo_id="slow-availability"})',
              eval_time: '400m',
              exp_samples: [
                {
                  labels: `{slo_id="slow-availability",slo_name="availability",slo_service="slow",slo_window="5m"}`,
                  value: 8,
                },
              ],
            },
          ],
        },
      ],
    };
    fs.writeFileSync(
      path.join(dir, 'rules-slow.yaml'),
      sloRulesYaml(
        'slow',
        [availability],
        [{ name: 'job', op: '=', value: 'slow' }],
      ),
    );
    fs.writeFileSync(path.join(dir, 'tests.yaml'), stringify(tests));
    const tested = await promtool(['test', 'rules', 'tests.yaml'], dir).catch(
      e => {
        throw new Error(
          `promtool test rules failed:\n${e.stdout}\n${e.stderr}`,
        );
      },
    );
    expect(tested.stdout).toContain('SUCCESS');
  });
});
