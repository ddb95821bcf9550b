#!/usr/bin/env node
// Micro-benchmark: CPU time of one latency observation in the skeleton's metrics plugin, the way it was (prom-client
// Histogram through `labels()` children) against the pre-bound series it uses now
// (templates/fastify-service/skeleton/src/lib/latency-histogram.ts), with and without an exemplar.
// Process CPU time (not wall time), so the figures hold on a loaded machine; 3 interleaved rounds.
//
//   node bench/metrics-observe.mjs
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// prom-client as the portal's dependencies have it (the skeleton pins the same major).
const { Histogram } = require('prom-client');
const { LatencyHistogram } = await import(
  '../templates/fastify-service/skeleton/src/lib/latency-histogram.ts'
);

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10];
const routes = ['/v1/info', '/v1/items/:id', '/v1/items', 'unmatched'];
const traceId = '0af7651916cd43dd8448eb211c80319c';
const spanId = 'b7ad6b7169203331';
const N = 1_000_000;

function cpuNsPerCall(fn) {
  for (let i = 0; i < 100_000; i++) fn(i);
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) fn(i);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / N;
}

// Each variant looks the label set up from method/route/status per call, as the onResponse hook does.
const variants = {
  'prom-client labels() child (before)': () => {
    const h = new Histogram({
      name: 'a',
      help: 'a',
      labelNames: ['method', 'route', 'status_code'],
      buckets,
      registers: [],
    });
    const children = new Map();
    return i => {
      const route = routes[i & 3];
      const key = `GET 200 ${route}`;
      let child = children.get(key);
      if (!child)
        children.set(
          key,
          (child = h.labels({ method: 'GET', route, status_code: 200 })),
        );
      child.observe(0.003);
    };
  },
  'prom-client observe with exemplar': () => {
    const h = new Histogram({
      name: 'a',
      help: 'a',
      labelNames: ['method', 'route', 'status_code'],
      buckets,
      registers: [],
      enableExemplars: true,
    });
    const sets = new Map();
    return i => {
      const route = routes[i & 3];
      const key = `GET 200 ${route}`;
      let labels = sets.get(key);
      if (!labels)
        sets.set(key, (labels = { method: 'GET', route, status_code: 200 }));
      h.observe({
        labels,
        value: 0.003,
        exemplarLabels: { trace_id: traceId, span_id: spanId },
      });
    };
  },
  'pre-bound series, no exemplar': () => {
    const h = new LatencyHistogram('a', 'a', buckets);
    const series = new Map();
    return i => {
      const route = routes[i & 3];
      const key = `GET 200 ${route}`;
      let bound = series.get(key);
      if (!bound)
        series.set(
          key,
          (bound = h.bind({ method: 'GET', route, status_code: 200 })),
        );
      bound.observe(0.003);
    };
  },
  'pre-bound series with exemplar (now)': () => {
    const h = new LatencyHistogram('a', 'a', buckets);
    const series = new Map();
    return i => {
      const route = routes[i & 3];
      const key = `GET 200 ${route}`;
      let bound = series.get(key);
      if (!bound)
        series.set(
          key,
          (bound = h.bind({ method: 'GET', route, status_code: 200 })),
        );
      bound.observe(0.003, traceId, spanId);
    };
  },
};

const results = Object.fromEntries(
  Object.keys(variants).map(name => [name, []]),
);
for (let round = 0; round < 3; round++) {
  for (const [name, make] of Object.entries(variants))
    results[name].push(cpuNsPerCall(make()));
}
console.log('ns of CPU per observation (3 rounds, median):');
for (const [name, rounds] of Object.entries(results)) {
  const sorted = [...rounds].sort((a, b) => a - b);
  console.log(
    `  ${name.padEnd(40)} ${sorted[1].toFixed(0).padStart(5)}   (${rounds
      .map(r => r.toFixed(0))
      .join(', ')})`,
  );
}
