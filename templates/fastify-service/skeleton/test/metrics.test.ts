import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';
import { type MemoryTracing, startMemoryTracing } from './tracing.ts';

/** What Prometheus 2.x sends when it scrapes. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** A Prometheus binary: PROMETHEUS_BIN, else on PATH. Missing, the tests that need it fail and say how to get it. */
function prometheusTool(name: 'prometheus' | 'promtool'): string {
  const candidate = (name === 'prometheus' ? process.env.PROMETHEUS_BIN : process.env.PROMTOOL_BIN) ?? name;
  try {
    execFileSync(candidate, ['--version'], { stdio: 'ignore' });
    return candidate;
  } catch {
    throw new Error(
      `${name} is not installed: these tests check the metrics with the real Prometheus. Install it ` +
        '(`sudo apt-get install -y prometheus` on Debian/Ubuntu, or a release from prometheus.io on PATH).',
    );
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

  // promtool (2.42, Debian's) reads the classic format only; it fails on lint problems too (e.g. a gauge named *_total).
  it('is valid Prometheus text exposition (promtool check metrics)', () => {
    execFileSync(prometheusTool('promtool'), ['check', 'metrics'], { input: text });
  });
});

describe('exemplars', () => {
  let tracing: MemoryTracing;
  let t: TestApp;
  beforeAll(async () => {
    tracing = startMemoryTracing();
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    await tracing.stop();
  });

  it("carry a sampled request's trace id on its latency bucket in OpenMetrics, and not in the classic format", async () => {
    expect((await t.app.inject({ url: '/v1/info' })).statusCode).toBe(200);
    const span = await tracing.serverSpan('/v1/info');
    const { traceId, spanId } = span.spanContext();

    const openMetrics = await t.app.inject({ url: '/metrics', headers: { accept: PROMETHEUS_ACCEPT } });
    expect(openMetrics.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(openMetrics.body.endsWith('# EOF\n')).toBe(true);
    const withExemplar = openMetrics.body
      .split('\n')
      .filter((line) => line.startsWith('http_request_duration_seconds_bucket{') && line.includes(' # {'));
    // One request: its exemplar sits on the one bucket it fell in (buckets are cumulative, exemplars are not).
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]).toMatch(
      new RegExp(
        `^http_request_duration_seconds_bucket\\{[^}]*route="/v1/info"[^}]*\\} 1 ` +
          `# \\{trace_id="${traceId}",span_id="${spanId}"\\} [\\d.e-]+ \\d+(\\.\\d+)?$`,
      ),
    );
    // Counters keep the OpenMetrics naming (family without _total, samples with it) ...
    expect(openMetrics.body).toContain('# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total ');

    // ... and the classic format, scraped afterwards, is unchanged: no exemplars, counters named *_total.
    for (const accept of [undefined, 'text/plain;version=0.0.4', '*/*']) {
      const classic = await t.app.inject({ url: '/metrics', headers: accept ? { accept } : {} });
      expect(classic.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(classic.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/v1\/info"/);
      expect(classic.body).not.toContain(' # {');
      expect(classic.body).not.toContain(traceId);
      expect(classic.body).toContain('# TYPE process_cpu_seconds_total counter');
      execFileSync(prometheusTool('promtool'), ['check', 'metrics'], { input: classic.body });
    }
  });

  it('leave out requests whose trace is not sampled', async () => {
    // A caller's traceparent with the sampled flag off: the parent-based sampler does not sample the request.
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await t.app.inject({
      url: '/v1/info',
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-00` },
    });
    expect(response.statusCode).toBe(200);
    const openMetrics = await t.app.inject({ url: '/metrics', headers: { accept: PROMETHEUS_ACCEPT } });
    expect(openMetrics.body).not.toContain(traceId);
  });
});

/** Starts Prometheus (exemplar storage on) scraping `target` every second; `stop` ends it and removes its files. */
async function startPrometheus(target: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const binary = prometheusTool('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'exemplars-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      `  - { job_name: service, static_configs: [{ targets: ["${target}"] }] }`,
      '',
    ].join('\n'),
  );
  // PROMETHEUS_TEST_PORT pins its port; otherwise a free one.
  let port = Number(process.env.PROMETHEUS_TEST_PORT ?? 0);
  if (port === 0) {
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
  }
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const prometheusProcess: { running: boolean } = { running: true };
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      prometheusProcess.running = false;
      resolve();
    }),
  );
  const stop = async () => {
    if (prometheusProcess.running) {
      child.kill('SIGTERM');
      // SIGKILL when SIGTERM did not end it within 5 s (a no-op once it has exited).
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${String(port)}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!prometheusProcess.running) {
      await stop();
      throw new Error(`Prometheus exited with ${String(child.exitCode)}: ${stderr}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus did not become ready: ${stderr}`);
    }
    await sleep(200);
  }
}

type ExemplarResult = {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string> }[];
};

describe('scraped by Prometheus', () => {
  let tracing: MemoryTracing;
  let t: TestApp;
  let prometheus: { url: string; stop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    tracing = startMemoryTracing();
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    prometheus = await startPrometheus(`127.0.0.1:${String(port)}`);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await t.close();
    await tracing.stop();
  });

  it("stores the sampled request's trace id as an exemplar (/api/v1/query_exemplars)", async () => {
    if (prometheus === undefined) throw new Error('Prometheus did not start');
    const { url } = prometheus;
    let found: ExemplarResult[] = [];
    let traceIds = new Set<string>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      // Traffic goes on until a scrape after it has been stored: the first scrape may come before any request.
      const response = await t.app.inject({ url: '/v1/info' });
      expect(response.statusCode).toBe(200);
      traceIds = new Set(tracing.exporter.getFinishedSpans().map((span) => span.spanContext().traceId));
      const now = Date.now() / 1000;
      const query = await fetch(
        `${url}/api/v1/query_exemplars?query=${encodeURIComponent('http_request_duration_seconds_bucket{route="/v1/info"}')}` +
          `&start=${String(now - 300)}&end=${String(now + 60)}`,
      );
      const body = (await query.json()) as { status: string; data: ExemplarResult[] };
      expect(body.status).toBe('success');
      found = body.data;
      if (found.some((series) => series.exemplars.length > 0)) break;
      await sleep(500);
    }
    const exemplars = found.flatMap((series) => series.exemplars.map((exemplar) => ({ series, exemplar })));
    expect(exemplars.length).toBeGreaterThan(0);
    for (const { series, exemplar } of exemplars) {
      expect(series.seriesLabels).toMatchObject({
        __name__: 'http_request_duration_seconds_bucket',
        route: '/v1/info',
      });
      expect(traceIds.has(exemplar.labels.trace_id ?? '')).toBe(true);
    }
    // The scrape itself succeeded in the OpenMetrics format (a parse error would fail the target).
    const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets.map(({ health, lastError }) => ({ health, lastError }))).toEqual([
      { health: 'up', lastError: '' },
    ]);
  });
});
