import type { TestBackend } from '@backstage/backend-test-utils';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  component,
  entityApi,
  startServiceHealthBackend,
} from '../__testUtils__/backend';
import { PARSE_CHANNEL } from './exposition';

jest.setTimeout(120_000);

const SERIES = 100_000;
const LES = [
  '0.005',
  '0.01',
  '0.025',
  '0.05',
  '0.1',
  '0.25',
  '0.5',
  '1',
  '+Inf',
];

/**
 * A `/metrics` of 100k series, every one of a family the plugin reads (the
 * request histogram over many routes: the worst case, nothing is skipped).
 */
function bigExposition(): string {
  const lines = ['# TYPE http_request_duration_seconds histogram'];
  const perRoute = LES.length + 2;
  for (let r = 0; lines.length - 1 + perRoute <= SERIES; r++) {
    const labels = `method="GET",route="/r/${r}",status_code="200"`;
    LES.forEach((le, i) =>
      lines.push(
        `http_request_duration_seconds_bucket{le="${le}",${labels}} ${i + 1}`,
      ),
    );
    lines.push(`http_request_duration_seconds_sum{${labels}} 0.5`);
    lines.push(`http_request_duration_seconds_count{${labels}} ${LES.length}`);
  }
  while (lines.length - 1 < SERIES)
    lines.push(`other_series{i="${lines.length}"} 1`);
  return `${lines.join('\n')}\n`;
}

describe('a scrape of 100k series', () => {
  let backend: TestBackend;
  let server: http.Server;
  const body = bigExposition();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/big/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(body);
      } else {
        res.writeHead(200, { 'content-type': 'application/health+json' });
        res.end('{"status":"pass"}');
      }
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    backend = await startServiceHealthBackend({
      entities: [
        component('big', { 'service-health.io/base-url': `${base}/big` }),
        component('small', { 'service-health.io/base-url': `${base}/small` }),
      ],
      serviceHealth: {
        allowedHosts: ['127.0.0.1'],
        http: { maxResponseBytes: 32 * 1024 * 1024, timeoutMs: 60_000 },
        health: { enabled: false },
        metrics: { direct: { freshnessSeconds: 0, sampleLimit: SERIES } },
      },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await new Promise(r => server?.close(r));
  });

  it('is parsed while another API request is answered', async () => {
    const events: string[] = [];
    let concurrent: Promise<number> | undefined;
    const onParse = (message: unknown) => {
      const { phase, url } = message as { phase: string; url?: string };
      if (!url?.endsWith('/big/metrics')) return;
      events.push(`parse ${phase}`);
      if (phase === 'start') {
        // Sent once the 100k-series body is in hand and its parse begun.
        concurrent = request(backend.server)
          .get(entityApi('small/environments'))
          .then(res => {
            events.push('other request answered');
            return res.status;
          });
      }
    };
    diagnostics.subscribe(PARSE_CHANNEL, onParse);
    try {
      const summary = await request(backend.server).get(
        entityApi('big/metrics/summary'),
      );
      expect(summary.status).toBe(200);
      // One sample so far: no figures yet, but the scrape was kept.
      expect(summary.body.source).toMatchObject({ status: 'no-data' });
      expect(await concurrent).toBe(200);
    } finally {
      diagnostics.unsubscribe(PARSE_CHANNEL, onParse);
    }
    expect(events).toEqual([
      'parse start',
      'other request answered',
      'parse end',
    ]);
  });
});
