// `npm run loadtest`: drives the example routes with autocannon and checks the latencies against the SLO written
// in slo.json (or SLO_FILE): prints p50/p95/p99 and the error ratio beside their objectives, exits 1 when one is
// missed. Without LOADTEST_URL it starts the service in this process (embedded PGlite unless DATABASE_URL is set),
// so the numbers include the load generator's share of the CPU; point LOADTEST_URL at a running instance (and
// LOADTEST_TOKEN at a token for it) to measure that instead. CI does not run it: the load needs a quiet machine.
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
// #region feature:auth
import { authSettings, mintToken } from '../src/auth/jwt.ts';
// #endregion feature:auth

type Slo = {
  connections: number;
  durationSeconds: number;
  latencyMs: { p50: number; p95: number; p99: number };
  maxErrorRatio: number;
};

const sloFile = process.env.SLO_FILE ?? 'slo.json';
const slo = JSON.parse(await readFile(sloFile, 'utf8')) as Slo;

let url = process.env.LOADTEST_URL;
const headers: Record<string, string> = {};
if (process.env.LOADTEST_TOKEN) headers.authorization = `Bearer ${process.env.LOADTEST_TOKEN}`;
let close = async () => {};
const paths = ['/v1/info'];

if (url === undefined) {
  const app = await buildApp(
    loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000000' }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? String(address.port) : ''}`;
  close = () => app.close();
  // #region feature:auth
  headers.authorization = `Bearer ${await mintToken(authSettings(app.config), { sub: 'loadtest', roles: ['items:write'] })}`;
  // #endregion feature:auth
  // #region feature:database
  const created = await app.inject({
    method: 'POST',
    url: '/v1/items',
    headers,
    payload: { sku: `LOAD-${String(Date.now())}`, name: 'Load test item', priceCents: 100 },
  });
  const { id } = created.json<{ id: string }>();
  paths.push('/v1/items?limit=20', `/v1/items/${id}`);
  // #endregion feature:database
}

const latencies: number[] = [];
let failed = 0;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url,
      connections: slo.connections,
      duration: slo.durationSeconds,
      headers,
      requests: paths.map((path) => ({ method: 'GET' as const, path })),
    },
    (error: unknown, done: autocannon.Result) => {
      if (error) reject(error instanceof Error ? error : new Error('autocannon failed'));
      else resolve(done);
    },
  );
  // Every response's latency, so the percentiles are exact (autocannon's own summary has no p95).
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode >= 400) failed++;
  });
});
await close();

latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
const total = latencies.length + result.errors + result.timeouts;
const errorRatio = total === 0 ? 1 : (failed + result.errors + result.timeouts) / total;

const rows: { name: string; measured: string; objective: string; met: boolean }[] = [
  ...(['p50', 'p95', 'p99'] as const).map((name) => {
    const value = percentile(Number(name.slice(1)));
    return {
      name,
      measured: `${value.toFixed(1)} ms`,
      objective: `<= ${String(slo.latencyMs[name])} ms`,
      met: value <= slo.latencyMs[name],
    };
  }),
  {
    name: 'errors',
    measured: `${(errorRatio * 100).toFixed(2)} %`,
    objective: `<= ${(slo.maxErrorRatio * 100).toFixed(2)} %`,
    met: errorRatio <= slo.maxErrorRatio,
  },
];
console.log(
  `loadtest: ${String(total)} requests in ${String(slo.durationSeconds)} s over ${String(slo.connections)} connections (${paths.join(', ')}), SLO from ${sloFile}`,
);
for (const row of rows) {
  console.log(
    `  ${row.name.padEnd(7)} ${row.measured.padStart(10)}   ${row.objective.padEnd(12)} ${row.met ? 'ok' : 'MISSED'}`,
  );
}
const missed = rows.filter((row) => !row.met).map((row) => row.name);
console.log(missed.length === 0 ? 'SLO met' : `SLO missed: ${missed.join(', ')}`);
process.exitCode = missed.length === 0 ? 0 : 1;
