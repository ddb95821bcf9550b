import http from 'node:http';
import { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A real HTTP service speaking the skeleton's observability contract:
 * `/health` and `/ready` as application/health+json, `/metrics` from a real
 * prom-client registry with `http_request_duration_seconds{method,route,status_code}`
 * and the default process metrics.
 *
 * `GET /v1/items/:id?latency=<seconds>` answers 200 and records that latency;
 * `GET /v1/fail?latency=<seconds>` answers 500. The recorded latency comes
 * from the query so the expected quantiles are known exactly.
 */
export interface FakeService {
  url: string;
  port: number;
  registry: Registry;
  hits: Map<string, number>;
  setReady(status: 'pass' | 'warn' | 'fail'): void;
  /** What `/health` and `/ready` report as `version` and `releaseId`. */
  setRelease(release: { version?: string; releaseId?: string }): void;
  close(): Promise<void>;
}

export async function startFakeService(
  options: {
    name?: string;
    host?: string;
    port?: number;
  } = {},
): Promise<FakeService> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests in seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'in flight',
    registers: [registry],
  });
  inFlight.set(0);
  let ready: 'pass' | 'warn' | 'fail' = 'pass';
  let release: { version?: string; releaseId?: string } = { version: '1.2.3' };
  const hits = new Map<string, number>();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const latency = Number(url.searchParams.get('latency') ?? '0.001');
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/health+json' });
      res.end(
        JSON.stringify({
          status: 'pass',
          ...release,
          serviceId: options.name ?? 'fake',
          description: 'liveness',
          checks: {
            'uptime:uptime': [
              {
                componentType: 'system',
                status: 'pass',
                observedValue: 12,
                observedUnit: 's',
              },
            ],
          },
        }),
      );
    } else if (url.pathname === '/ready') {
      res.writeHead(ready === 'fail' ? 503 : 200, {
        'content-type': 'application/health+json',
      });
      res.end(
        JSON.stringify({
          status: ready,
          ...release,
          checks: {
            'postgres:connection': [
              {
                componentType: 'datastore',
                status: ready,
                observedValue: 3,
                observedUnit: 'ms',
                time: new Date().toISOString(),
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
        }),
      );
    } else if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
    } else if (/^\/v1\/items\/[^/]+$/.test(url.pathname)) {
      histogram.observe(
        { method: req.method, route: '/v1/items/:id', status_code: '200' },
        latency,
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    } else if (url.pathname === '/v1/fail') {
      histogram.observe(
        { method: req.method, route: '/v1/fail', status_code: '500' },
        latency,
      );
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"boom"}');
    } else {
      histogram.observe(
        { method: req.method, route: 'unmatched', status_code: '404' },
        latency,
      );
      res.writeHead(404);
      res.end();
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>(resolve =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    registry,
    hits,
    setReady(s) {
      ready = s;
    },
    setRelease(r) {
      release = r;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never answers. */
export async function startHangingServer() {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer(() => {
    // never respond
  });
  server.on('connection', s => sockets.add(s));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        sockets.forEach(s => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

/** Sends `count` GETs, `concurrency` at a time. */
export async function drive(url: string, count: number, concurrency = 10) {
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent }, res => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await one();
      }
    }),
  );
  agent.destroy();
}
