import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { parseExposition } from './exposition';
import {
  compactSample,
  CompactSample,
  histogramQuantile,
  requestFigures,
  summarize,
} from './samples';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function registry() {
  const r = new Registry();
  collectDefaultMetrics({ register: r });
  const h = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'x',
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers: [r],
  });
  return { r, h };
}

describe('samples', () => {
  it('parses a real prom-client registry (with NaN gauges) into a compact sample', async () => {
    const { r, h } = registry();
    h.observe({ method: 'GET', route: '/a', status_code: '200' }, 0.02);
    h.observe({ method: 'GET', route: '/a', status_code: '500' }, 0.2);
    const text = `${await r.metrics()}\nweird_gauge NaN\nother_gauge Nan\n`;
    const sample = compactSample(
      await parseExposition(text, { sampleLimit: 1000 }),
      1000,
    );
    expect(sample.les).toEqual(BUCKETS);
    expect(sample.http).toHaveLength(2);
    const ok = sample.http.find(s => s[2] === '200')!;
    expect(ok.slice(0, 5)).toEqual(['GET', '/a', '200', 1, 0.02]);
    expect(ok[5]).toHaveLength(BUCKETS.length + 1);
    expect(sample.rss).toBeGreaterThan(0);
    expect(sample.cpu).toBeGreaterThan(0);
    expect(sample.heap).toBeGreaterThan(0);
  });

  it('computes histogram_quantile like PromQL', () => {
    const les = [0.1, 0.2, 0.4];
    // 10 in (0,0.1], 10 in (0.1,0.2], 0 in (0.2,0.4], 5 in +Inf
    const counts = [10, 20, 20, 25];
    expect(histogramQuantile(0.2, les, counts)).toBeCloseTo(0.05);
    expect(histogramQuantile(0.5, les, counts)).toBeCloseTo(0.125);
    expect(histogramQuantile(0.8, les, counts)).toBeCloseTo(0.2);
    expect(histogramQuantile(0.99, les, counts)).toBe(0.4);
    expect(histogramQuantile(0.5, les, [0, 0, 0, 0])).toBeUndefined();
  });

  it('summarizes increases between samples, counting new series from zero and resets', () => {
    const first = {
      t: 0,
      les: [0.1],
      http: [['GET', '/a', '200', 10, 1, [10, 10]]] as any,
      cpu: 1,
    };
    const last = {
      t: 10_000,
      les: [0.1],
      http: [
        ['GET', '/a', '200', 30, 3, [20, 30]],
        ['GET', '/a', '500', 10, 1, [10, 10]],
      ] as any,
      cpu: 3,
    };
    const s = summarize(first, last);
    expect(s.routes[0]).toMatchObject({
      requests: 30,
      errorRate: 10 / 30,
      requestRate: 3,
    });
    expect(s.process.cpuUsage).toBeCloseTo(0.2);
    const reset = summarize(last, { ...first, t: 20_000 });
    expect(reset.routes[0].requests).toBe(10);
  });

  it('gives the catalog the same request figures as summarize, without per-route work', () => {
    // pseudo-random histories (fixed seed): series appearing, resets, odd bounds
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const sampleOf = (
      t: number,
      les: number[],
      base: number,
    ): CompactSample => {
      const http: CompactSample['http'] = [];
      for (const route of ['/a', '/b', '/c/:id']) {
        for (const status of ['200', '404', '500', '503']) {
          if (rnd(4) === 0) continue;
          const counts: number[] = [];
          let c = 0;
          for (let i = 0; i <= les.length; i++) {
            c += rnd(base);
            counts.push(c);
          }
          http.push(['GET', route, status, c, c * 0.1, counts]);
        }
      }
      return { t, les, http };
    };
    for (let round = 0; round < 200; round++) {
      const les = round % 5 === 0 ? [0.1, 0.5] : [0.05, 0.1, 0.3, 0.5, 1];
      const first = sampleOf(0, round % 7 === 0 ? [0.2] : les, 50);
      const last = sampleOf(60_000, les, round % 3 === 0 ? 20 : 200);
      const s = summarize(first, last);
      const f = requestFigures(first, last);
      expect(f.requests).toBe(s.routes.reduce((n, r) => n + r.requests, 0));
      expect(f.errorRate).toBeCloseTo(s.errorRate, 12);
      expect(f.p95Ms === undefined).toBe(s.p95Ms === undefined);
      expect(f.p95Ms ?? 0).toBeCloseTo(s.p95Ms ?? 0, 9);
    }
  });
});
