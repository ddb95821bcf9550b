import type { TestBackend } from '@backstage/backend-test-utils';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from './__testUtils__/backend';

jest.setTimeout(60_000);

const TIMEOUT_MS = 500;
const MAX_BYTES = 64 * 1024;
const SAMPLE_LIMIT = 50;

const histogramLine = (route: string, value: number) =>
  `http_request_duration_seconds_count{method="GET",route="${route}",status_code="200"} ${value}`;

/**
 * One real HTTP server playing every kind of misbehaving service, under
 * `/svc/<kind>/…`: what its `/metrics`, `/health` and `/ready` answer.
 */
function answer(kind: string, path: string, res: http.ServerResponse) {
  const health = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  if (path === '/health' || path === '/ready') {
    switch (kind) {
      case 'bad-json':
        return health(200, 'application/health+json', '{"status": "pass"');
      case 'no-status':
        return health(200, 'application/json', '{"uptime": 12}');
      case 'html':
        return health(200, 'text/html', '<!doctype html><title>App</title>');
      case 'plain-ok':
        return health(200, 'text/plain', 'OK');
      default:
        return health(200, 'application/health+json', '{"status":"pass"}');
    }
  }
  if (path !== '/metrics') return health(404, 'text/plain', 'not found');
  switch (kind) {
    case 'hangs':
      return undefined; // never answers
    case 'status-500':
      return health(500, 'text/plain', 'internal error');
    case 'too-large':
      return health(200, 'text/plain', `# ${'x'.repeat(MAX_BYTES * 2)}\n`);
    case 'html':
    case 'bad-json':
      return health(200, 'text/html', '<html><body>Dashboard</body></html>');
    case 'many-series':
      return health(
        200,
        'text/plain; version=0.0.4',
        Array.from({ length: SAMPLE_LIMIT + 1 }, (_, i) =>
          histogramLine(`/r${i}`, i),
        ).join('\n'),
      );
    default:
      return health(
        200,
        'text/plain; version=0.0.4',
        `${histogramLine('/a', 1)}\nprocess_resident_memory_bytes 1000\n`,
      );
  }
}

const KINDS = [
  'hangs',
  'status-500',
  'too-large',
  'html',
  'many-series',
  'bad-json',
  'no-status',
  'plain-ok',
  'healthy',
];

describe('classification of what a service answers', () => {
  let backend: TestBackend;
  let server: http.Server;
  let downUrl: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const m = /^\/svc\/([a-z0-9-]+)(\/[a-z]+)$/.exec(req.url ?? '');
      if (!m) res.writeHead(404).end();
      else answer(m[1], m[2], res);
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    // A port nobody listens on: connection refused.
    const closed = http.createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise(r => closed.close(r));

    backend = await startServiceHealthBackend({
      entities: [
        ...KINDS.map(kind =>
          component(kind, {
            'service-health.io/base-url': `http://127.0.0.1:${port}/svc/${kind}`,
          }),
        ),
        component('stopped', { 'service-health.io/base-url': downUrl }),
      ],
      serviceHealth: {
        allowedHosts: ['127.0.0.1'],
        http: { timeoutMs: TIMEOUT_MS, maxResponseBytes: MAX_BYTES },
        health: { enabled: false, minRefreshIntervalSeconds: 0 },
        metrics: {
          direct: { freshnessSeconds: 0, sampleLimit: SAMPLE_LIMIT },
        },
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    server?.closeAllConnections();
    await new Promise(r => server?.close(r));
  });

  const metricsState = async (name: string) => {
    const res = await request(backend.server).get(
      entityApi(`${name}/metrics/summary`),
    );
    expect(res.status).toBe(200);
    return res.body.source;
  };

  it.each([
    ['stopped', 'unreachable', 'connection', /ECONNREFUSED/],
    ['hangs', 'unreachable', 'timeout', /within 500 ms/],
    ['status-500', 'error', 'http-status', /HTTP 500/],
    ['too-large', 'error', 'too-large', /exceeds 65536 bytes/],
    ['html', 'error', 'invalid', /Not the Prometheus text format/],
    ['many-series', 'error', 'sample-limit', /more than 50 samples/],
  ])('/metrics of %s: %s (%s)', async (name, status, reason, message) => {
    const source = await metricsState(name);
    expect(source).toMatchObject({ source: 'direct', status, reason });
    expect(source.message).toMatch(message);
  });

  it('a scrape within the limits is ok', async () => {
    // Two scrapes: the figures need two samples.
    await metricsState('healthy');
    expect(await metricsState('healthy')).toMatchObject({ status: 'ok' });
  });

  const probe = async (name: string) => {
    const res = await request(backend.server).post(
      entityApi(`${name}/health/refresh`),
    );
    expect(res.status).toBe(200);
    return res.body.data;
  };

  it.each([
    ['bad-json', /not valid JSON/],
    ['no-status', /without a valid health status/],
    ['html', /not a health response \(text\/html\)/],
  ])(
    'a /health 200 with an unreadable body (%s) is not a pass',
    async (name, why) => {
      const snapshot = await probe(name);
      expect(snapshot.liveness).toMatchObject({
        status: 'fail',
        httpStatus: 200,
      });
      expect(snapshot.liveness.error).toMatch(why);
      expect(snapshot.status).toBe('fail');
    },
  );

  it('a /health 200 with plain "OK" or a health document is a pass', async () => {
    expect((await probe('plain-ok')).status).toBe('pass');
    expect((await probe('healthy')).status).toBe('pass');
  });
});
