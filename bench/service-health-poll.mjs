#!/usr/bin/env node
/*
 * Benchmark of the service-health poller: one poll cycle over N simulated
 * services (default 1,000) through the plugin's own code (ServicePoller,
 * OutboundHttp, the direct metrics source and the Knex stores on SQLite in
 * memory). The simulated services are one HTTP server in a child process
 * answering /svc/<i>/health, /svc/<i>/ready and /svc/<i>/metrics (a prom-client
 * style exposition with 6 routes x 11 buckets and the process metrics), so
 * every cycle makes 3 x N real HTTP requests.
 *
 * Usage: node bench/service-health-poll.mjs [--services 1000] [--cycles 5]
 *          [--concurrency 16,64] [--slow 0.02] [--timeout 2000]
 *   --slow: share of services that hang (answer after the timeout), to show a
 *           cycle is bounded by the timeout, not by the hanging services.
 *
 * Prints one line per cycle (time, RSS, heap) and a JSON summary.
 * Uses Node built-ins plus the repository's own packages (the Backstage node
 * transform to load the plugin's TypeScript, knex and better-sqlite3).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    services: { type: 'string', default: '1000' },
    cycles: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16,64' },
    slow: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '2000' },
  },
});

function metricsText(i, n) {
  const routes = [
    '/v1/items',
    '/v1/items/:id',
    '/v1/orders',
    '/v1/orders/:id',
    '/v1/login',
    'unmatched',
  ];
  const les = [
    '0.005',
    '0.01',
    '0.025',
    '0.05',
    '0.1',
    '0.25',
    '0.5',
    '1',
    '2.5',
    '5',
    '10',
    '+Inf',
  ];
  const lines = [
    '# HELP http_request_duration_seconds Duration of HTTP requests in seconds',
    '# TYPE http_request_duration_seconds histogram',
  ];
  for (const route of routes) {
    for (const status of ['200', '500']) {
      const total = (status === '200' ? 1000 : 10) * (n + 1) + i;
      let cum = 0;
      for (let b = 0; b < les.length; b++) {
        cum =
          b === les.length - 1
            ? total
            : Math.min(total, Math.round((total * (b + 1)) / les.length));
        lines.push(
          `http_request_duration_seconds_bucket{le="${les[b]}",method="GET",route="${route}",status_code="${status}"} ${cum}`,
        );
      }
      lines.push(
        `http_request_duration_seconds_sum{method="GET",route="${route}",status_code="${status}"} ${
          total * 0.05
        }`,
      );
      lines.push(
        `http_request_duration_seconds_count{method="GET",route="${route}",status_code="${status}"} ${total}`,
      );
    }
  }
  lines.push(
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${n * 0.5 + i / 1000}`,
  );
  lines.push(
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${80e6 + i}`,
  );
  lines.push(
    '# TYPE nodejs_heap_size_used_bytes gauge',
    `nodejs_heap_size_used_bytes ${20e6 + i}`,
  );
  lines.push(
    '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
    'nodejs_eventloop_lag_p99_seconds 0.0123',
  );
  lines.push(
    '# TYPE nodejs_eventloop_lag_mean_seconds gauge',
    'nodejs_eventloop_lag_mean_seconds Nan',
  );
  return `${lines.join('\n')}\n`;
}

if (args.server) {
  // The simulated services.
  const services = Number(args.services);
  const slowEvery =
    Number(args.slow) > 0 ? Math.round(1 / Number(args.slow)) : 0;
  let scrapes = 0;
  const health = JSON.stringify({
    status: 'pass',
    version: '1.0.0',
    checks: {
      'postgres:connection': [
        {
          componentType: 'datastore',
          status: 'pass',
          observedValue: 2,
          observedUnit: 'ms',
        },
      ],
      'redis:connection': [
        {
          componentType: 'datastore',
          status: 'pass',
          observedValue: 1,
          observedUnit: 'ms',
        },
      ],
    },
  });
  const server = http.createServer((req, res) => {
    const m = /^\/svc\/(\d+)\/(health|ready|metrics)$/.exec(req.url ?? '');
    if (!m || Number(m[1]) >= services) {
      res.writeHead(404).end();
      return;
    }
    const i = Number(m[1]);
    if (slowEvery && i % slowEvery === 0) return; // hangs
    if (m[2] === 'metrics') {
      scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metricsText(i, Math.floor(scrapes / services)));
    } else {
      res.writeHead(200, { 'content-type': 'application/health+json' });
      res.end(health);
    }
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () =>
    process.send({ port: server.address().port }),
  );
  process.on('disconnect', () => process.exit(0));
} else {
  const here = fileURLToPath(import.meta.url);
  const child = fork(
    here,
    ['--server', '--services', args.services, '--slow', args.slow],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const { port } = await new Promise(resolve => child.once('message', resolve));

  const require = createRequire(
    new URL('../plugins/service-health-backend/package.json', import.meta.url),
  );
  require('@backstage/cli/config/nodeTransform.cjs');
  const { ServicePoller } = require('./src/health/ServicePoller.ts');
  const {
    HostAllowList,
    OutboundHttp,
  } = require('./src/outbound/OutboundHttp.ts');
  const {
    DirectMetricsSource,
  } = require('./src/metrics/DirectMetricsSource.ts');
  const { HealthStore, SampleStore } = require('./src/database/stores.ts');
  const knexFactory = require('knex');

  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  await knex.migrate.latest({
    directory: fileURLToPath(
      new URL('../plugins/service-health-backend/migrations', import.meta.url),
    ),
  });
  const logger = {
    info() {},
    warn: console.warn,
    error: console.error,
    debug() {},
    child: () => logger,
  };
  const services = Number(args.services);
  const targets = Array.from({ length: services }, (_, i) => ({
    entityRef: `component:default/svc-${i}`,
    environment: 'default',
    serviceName: `svc-${i}`,
    baseUrl: `http://127.0.0.1:${port}/svc/${i}`,
    metricsSource: 'direct',
  }));

  const results = [];
  const mb = b => Math.round((b / 1048576) * 10) / 10;
  for (const concurrency of args.concurrency.split(',').map(Number)) {
    const outbound = new OutboundHttp(new HostAllowList(['127.0.0.1']), {
      timeoutMs: Number(args.timeout),
      maxResponseBytes: 4 * 1024 * 1024,
      maxRedirects: 3,
    });
    const direct = new DirectMetricsSource({
      http: outbound,
      store: new SampleStore(knex),
      retentionMinutes: 120,
      freshnessSeconds: 5,
      sampleLimit: 20_000,
    });
    const poller = new ServicePoller({
      http: outbound,
      store: new HealthStore(knex),
      environments: [{ name: 'default', metricsSource: 'direct' }],
      concurrency,
      retention: { retentionDays: 7, rawHours: 6, rollupMinutes: 60 },
      minRefreshIntervalSeconds: 2,
      metricsSources: new Map([['direct', direct]]),
      logger,
    });
    const cycles = [];
    for (let c = 0; c < Number(args.cycles); c++) {
      const r = await poller.pollTargets(targets);
      const mem = process.memoryUsage();
      cycles.push({
        ms: r.durationMs,
        rssMb: mb(mem.rss),
        heapMb: mb(mem.heapUsed),
        down: r.down,
        metricsFailed: r.metricsFailed,
      });
      console.log(
        `concurrency ${concurrency} cycle ${c + 1}: ${r.durationMs} ms for ${
          r.probed
        } services ` +
          `(${r.down} down, ${r.metricsPolled} scraped, ${r.metricsFailed} scrape failures), ` +
          `rss ${mb(mem.rss)} MB, heap ${mb(mem.heapUsed)} MB`,
      );
    }
    outbound.close();
    const times = cycles.map(c => c.ms).sort((a, b) => a - b);
    results.push({
      concurrency,
      services,
      cycles: cycles.length,
      medianCycleMs: times[Math.floor(times.length / 2)],
      minCycleMs: times[0],
      maxCycleMs: times[times.length - 1],
      perServiceMs:
        Math.round((times[Math.floor(times.length / 2)] / services) * 100) /
        100,
      peakRssMb: Math.max(...cycles.map(c => c.rssMb)),
      lastHeapMb: cycles[cycles.length - 1].heapMb,
    });
  }
  const probes = await knex('service_health_probes').count({ n: '*' }).first();
  const samples = await knex('service_health_metric_samples')
    .count({ n: '*' })
    .first();
  console.log(
    JSON.stringify(
      {
        node: process.version,
        results,
        rows: { probes: Number(probes.n), samples: Number(samples.n) },
      },
      null,
      2,
    ),
  );
  await knex.destroy();
  child.disconnect();
  child.kill();
}
