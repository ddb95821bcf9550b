/*
 * Lightweight fake catalog services for the multi-replica test and the benchmark: one HTTP
 * server per service speaking the skeleton's observability contract (`/health` and `/ready` as
 * application/health+json, `/metrics` in the Prometheus text format shaped like the skeleton's
 * own output after some traffic: the process and Node.js default metrics and an
 * `http_request_duration_seconds` histogram per route, several KB), counting the requests each
 * path receives.
 */
import http from 'node:http';

const ROUTES = [
  ['GET', '/v1/items', '200'],
  ['GET', '/v1/items/:id', '200'],
  ['GET', '/v1/items/:id', '404'],
  ['POST', '/v1/items', '201'],
  ['POST', '/v1/items', '400'],
  ['DELETE', '/v1/items/:id', '204'],
  ['GET', '/v1/fail', '500'],
];
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `/metrics` text after `requests` requests per route (grows with every scrape). */
export function metricsText(name, requests) {
  const lines = [
    '# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.',
    '# TYPE process_cpu_user_seconds_total counter',
    `process_cpu_user_seconds_total ${(requests * 0.0004).toFixed(6)}`,
    '# HELP process_cpu_system_seconds_total Total system CPU time spent in seconds.',
    '# TYPE process_cpu_system_seconds_total counter',
    `process_cpu_system_seconds_total ${(requests * 0.0001).toFixed(6)}`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    'process_resident_memory_bytes 83456000',
    '# HELP process_heap_bytes Process heap size in bytes.',
    '# TYPE process_heap_bytes gauge',
    'process_heap_bytes 121000000',
    '# HELP process_open_fds Number of open file descriptors.',
    '# TYPE process_open_fds gauge',
    'process_open_fds 27',
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
    '# TYPE process_start_time_seconds gauge',
    'process_start_time_seconds 1795300000',
    '# HELP nodejs_eventloop_lag_seconds Lag of event loop in seconds.',
    '# TYPE nodejs_eventloop_lag_seconds gauge',
    'nodejs_eventloop_lag_seconds 0.003',
    '# HELP nodejs_active_handles_total Number of active libuv handles.',
    '# TYPE nodejs_active_handles_total gauge',
    'nodejs_active_handles_total 6',
    '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
    '# TYPE nodejs_heap_size_used_bytes gauge',
    'nodejs_heap_size_used_bytes 25000000',
    '# HELP nodejs_gc_duration_seconds Garbage collection duration by kind.',
    '# TYPE nodejs_gc_duration_seconds histogram',
  ];
  for (const kind of ['minor', 'major', 'incremental']) {
    for (const le of [0.001, 0.01, 0.1, 1, 2, 5]) {
      lines.push(
        `nodejs_gc_duration_seconds_bucket{le="${le}",kind="${kind}"} ${requests}`,
      );
    }
    lines.push(
      `nodejs_gc_duration_seconds_bucket{le="+Inf",kind="${kind}"} ${requests}`,
    );
    lines.push(
      `nodejs_gc_duration_seconds_sum{kind="${kind}"} ${(
        requests * 0.0002
      ).toFixed(6)}`,
    );
    lines.push(`nodejs_gc_duration_seconds_count{kind="${kind}"} ${requests}`);
  }
  lines.push(
    '# HELP http_request_duration_seconds Duration of HTTP requests in seconds',
    '# TYPE http_request_duration_seconds histogram',
  );
  for (const [method, route, status] of ROUTES) {
    const labels = `method="${method}",route="${route}",status_code="${status}"`;
    BUCKETS.forEach((le, i) => {
      const count = Math.round(requests * Math.min(1, (i + 1) / 6));
      lines.push(
        `http_request_duration_seconds_bucket{le="${le}",${labels}} ${count}`,
      );
    });
    lines.push(
      `http_request_duration_seconds_bucket{le="+Inf",${labels}} ${requests}`,
    );
    lines.push(
      `http_request_duration_seconds_sum{${labels}} ${(
        requests * 0.021
      ).toFixed(6)}`,
    );
    lines.push(`http_request_duration_seconds_count{${labels}} ${requests}`);
  }
  lines.push(
    '# HELP service_info The service and its version.',
    '# TYPE service_info gauge',
    `service_info{service="${name}",version="1.2.3"} 1`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Starts one server answering for `count` services: service i lives under `/svc-<i>/` so one
 * port (and one process) can stand in for thousands of services. Counts per service and path.
 */
export async function startFakeServices({
  count,
  host = '127.0.0.1',
  port = 0,
  prefix = 'svc',
}) {
  const hits = Array.from({ length: count }, () => ({
    health: 0,
    ready: 0,
    metrics: 0,
  }));
  const server = http.createServer((req, res) => {
    if (req.url === '/__hits') {
      // the benchmark reads the counts from another process
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(hits));
      return;
    }
    const match = /^\/[a-z]+-(\d+)\/(health|ready|metrics)$/.exec(
      req.url ?? '',
    );
    const i = match ? Number(match[1]) : -1;
    if (!match || i >= count) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const kind = match[2];
    hits[i][kind]++;
    if (kind === 'metrics') {
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      });
      res.end(metricsText(`${prefix}-${i}`, 100 + hits[i].metrics * 50));
      return;
    }
    const now = new Date().toISOString();
    res.writeHead(200, { 'content-type': 'application/health+json' });
    res.end(
      JSON.stringify({
        status: 'pass',
        version: '1.2.3',
        serviceId: `${prefix}-${i}`,
        checks:
          kind === 'ready'
            ? {
                'postgres:connection': [
                  {
                    componentType: 'datastore',
                    status: 'pass',
                    observedValue: 2,
                    observedUnit: 'ms',
                    time: now,
                  },
                ],
              }
            : {},
      }),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    hits,
    baseUrl: i => `${url}/${prefix}-${i}`,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A catalog file with one Component per service, annotated with its base URL. */
export function catalogYaml(services, count, prefix = 'svc') {
  return Array.from(
    { length: count },
    (_, i) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${prefix}-${i}
  annotations:
    service-health.io/base-url: ${services.baseUrl(i)}
spec:
  type: service
  lifecycle: production
  owner: group:default/team-a
`,
  ).join('---\n');
}

// `node e2e/fake-services.mjs <count> [port]`: serves `count` services in this process (the
// benchmark runs them beside the replicas) and prints its URL as one JSON line.
if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const services = await startFakeServices({
    count: Number(process.argv[2]),
    port: Number(process.argv[3] ?? 0),
  });
  console.log(JSON.stringify({ url: services.url }));
}
