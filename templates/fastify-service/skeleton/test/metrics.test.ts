import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';

function promtool(): string | undefined {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    return undefined;
  }
}

describe('GET /metrics', () => {
  let t: TestApp;
  let text: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.inject({ url: '/v1/info' });
    await t.app.inject({ url: '/no/such/route' });
    await t.app.inject({ url: '/health' });
    const response = await t.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    text = response.body;
  });
  afterAll(() => t.close());

  it('has the request histogram by route template, with unmatched routes grouped', () => {
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/info",status_code="200"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",/);
    expect(text).not.toContain('route="/health"');
  });

  it('has in-flight, process and runtime metrics', () => {
    expect(text).toContain('# TYPE http_requests_in_flight gauge');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });
  // #region feature:database

  it('has the database pool gauges', () => {
    for (const state of ['total', 'idle', 'waiting']) {
      expect(text).toMatch(new RegExp(`db_pool_connections\\{state="${state}"\\} \\d+`));
    }
  });
  // #endregion feature:database

  // Runs `promtool check metrics` when Prometheus' promtool is on PATH (apt-get install prometheus);
  // otherwise checks the exposition format line by line.
  it('is valid Prometheus text exposition', () => {
    const tool = promtool();
    if (tool !== undefined) {
      execFileSync(tool, ['check', 'metrics'], { input: text });
      return;
    }
    for (const line of text.split('\n').filter((l) => l !== '')) {
      expect(line).toMatch(
        /^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="[^"]*",?)*\})? [-+\d.eE]+|[\w]+(\{.*\})? (NaN|[+-]Inf))$/,
      );
    }
  });
});
