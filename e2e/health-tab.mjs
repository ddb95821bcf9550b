// The Health tab in a real browser, against the local portal and a live
// service rendered from the skeleton: health passes (with the database check),
// the charts fill in after some traffic, traces are listed and one opens as a
// waterfall. Screenshots land in e2e/artifacts/health-tab*.png.
//
//   node --test e2e/health-tab.mjs      (or: node e2e/health-tab.mjs)
//
// Needs: skeleton/dist built (`npm run build` in skeleton/) and its
// node_modules installed, Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
// Everything started here (portal, service, browser) is stopped at the end.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import {
  APP_URL,
  ARTIFACTS,
  BACKEND_URL,
  ROOT,
  guestToken,
  launchBrowser,
  startPortal,
} from './portal.mjs';

const SERVICE = 'orders-demo';
const SERVICE_PORT = Number(process.env.HEALTH_E2E_SERVICE_PORT ?? 18793);
const SERVICE_URL = `http://localhost:${SERVICE_PORT}`;
const SKELETON = join(ROOT, 'skeleton');
const ENTITY_PATH = `/catalog/default/component/${SERVICE}`;
const API = `${BACKEND_URL}/api/service-health/entities/component/default/${SERVICE}`;

const sleep = ms => new Promise(r => setTimeout(r, ms));
const shot = (page, name, options = {}) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), ...options });

let portal;
let service;
let browser;
let page;
let trafficStop = false;
let traffic;

/** The portal's catalog: the repository's entities plus one annotated service. */
function writeConfig() {
  const dir = mkdtempSync(join(tmpdir(), 'health-tab-e2e-'));
  const entityFile = join(dir, 'catalog-info.yaml');
  writeFileSync(
    entityFile,
    `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${SERVICE}
  description: A service rendered from the Fastify skeleton, for the Health tab browser test.
  annotations:
    service-health.io/base-url: ${SERVICE_URL}
    service-health.io/otel-service-name: ${SERVICE}
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-a
`,
  );
  const configFile = join(dir, 'app-config.health-e2e.yaml');
  writeFileSync(
    configFile,
    `catalog:
  locations:
    - type: file
      target: ${join(ROOT, 'catalog-info.yaml')}
    - type: file
      target: ${entityFile}
`,
  );
  // startPortal joins config paths onto ROOT.
  return relative(ROOT, configFile);
}

function startService() {
  assert.ok(
    existsSync(join(SKELETON, 'dist', 'server.js')),
    'skeleton/dist/server.js is missing: run `npm run build` in skeleton/',
  );
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(SERVICE_PORT),
    LOG_LEVEL: 'warn',
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_EXPORTER_OTLP_ENDPOINT: `${BACKEND_URL}/api/service-health/otlp`,
    OTEL_TRACES_SAMPLER: 'always_on',
    MIGRATE_ON_START: 'true',
    DATABASE_URL: '',
    PGLITE_DATA_DIR: '',
  };
  let output = '';
  const child = spawn(
    process.execPath,
    ['--import', './dist/telemetry.js', 'dist/server.js'],
    { cwd: SKELETON, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', c => (output = (output + c).slice(-10000)));
  child.stderr.on('data', c => (output = (output + c).slice(-10000)));
  const token = () =>
    execFileSync(
      process.execPath,
      ['scripts/token.ts', '--roles', 'items:write,admin'],
      {
        cwd: SKELETON,
        env,
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n')
      .pop();
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 20 && child.exitCode === null; i++) await sleep(250);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  return { child, token, stop, output: () => output };
}

async function waitFor(check, { timeoutMs, what }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(1000);
  }
  throw new Error(
    `Timed out waiting for ${what}${last ? `: ${last.message}` : ''}`,
  );
}

/** Realistic mixed traffic: reads, writes, a few 404s and 401s. */
async function generateTraffic(bearer) {
  const auth = { authorization: `Bearer ${bearer}` };
  const ids = [];
  let n = 0;
  while (!trafficStop) {
    n++;
    const calls = [
      fetch(`${SERVICE_URL}/v1/items?limit=10`, { headers: auth }),
      fetch(
        `${SERVICE_URL}/v1/items/${
          ids[n % Math.max(ids.length, 1)] ?? randomUUID()
        }`,
        {
          headers: auth,
        },
      ),
    ];
    if (n % 3 === 0) {
      calls.push(
        fetch(`${SERVICE_URL}/v1/items`, {
          method: 'POST',
          headers: {
            ...auth,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({
            sku: `SKU-${Date.now()}-${n}`,
            name: `Item ${n}`,
            priceCents: 100 + n,
          }),
        }).then(async res => {
          if (res.ok) ids.push((await res.clone().json()).id);
          return res;
        }),
      );
    }
    if (n % 7 === 0) calls.push(fetch(`${SERVICE_URL}/v1/items`)); // 401
    if (n % 11 === 0) calls.push(fetch(`${SERVICE_URL}/v1/nope`)); // 404
    await Promise.allSettled(calls);
    await sleep(150);
  }
}

/** Opens the tab; the dev server compiles lazy chunks on first use, so retry. */
async function openHealthTab() {
  const content = page.getByTestId('service-health-content');
  for (let attempt = 1; ; attempt++) {
    await page.goto(`${APP_URL}${ENTITY_PATH}/health`);
    try {
      await content.waitFor({ timeout: 60_000 });
      return;
    } catch (error) {
      await shot(page, `health-tab-failure-${attempt}`, { fullPage: true });
      if (attempt === 3) throw error;
    }
  }
}

before(async () => {
  portal = await startPortal({ extraConfig: [writeConfig()] });
  service = startService();
  await waitFor(async () => (await fetch(`${SERVICE_URL}/ready`)).ok, {
    timeoutMs: 60_000,
    what: `the service on ${SERVICE_URL}`,
  }).catch(error => {
    throw new Error(
      `${error.message}\n--- service output ---\n${service.output()}`,
    );
  });
  traffic = generateTraffic(service.token());
  ({ browser, page } = await launchBrowser());
  await page.setViewportSize({ width: 1440, height: 1000 });
});

after(async () => {
  trafficStop = true;
  await traffic?.catch(() => {});
  await browser?.close();
  await service?.stop();
  await portal?.stop();
});

test('the backend sees the service: health, metrics and traces', async () => {
  const token = await guestToken();
  const get = async path => {
    const res = await fetch(`${API}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, `${path} answered ${res.status}`);
    return res.json();
  };
  await waitFor(
    async () => {
      const health = await get('/health');
      return health.data?.status === 'pass';
    },
    { timeoutMs: 90_000, what: 'a passing health probe' },
  );
  await waitFor(
    async () => {
      const series = await get('/metrics/series');
      return (
        (series.data?.points ?? []).filter(p => p.requestRate > 0).length >= 2
      );
    },
    { timeoutMs: 150_000, what: 'two points of request rate' },
  );
  await waitFor(async () => ((await get('/traces')).data ?? []).length > 0, {
    timeoutMs: 60_000,
    what: 'traces in the embedded receiver',
  });
});

test('the Health tab shows pass, the database check, charts and traces', async () => {
  await openHealthTab();
  await page
    .getByRole('status', { name: 'Healthy' })
    .first()
    .waitFor({ timeout: 60_000 });

  const checks = page.getByRole('table', { name: 'Dependency checks' });
  await checks.getByText('postgres').waitFor();
  const postgresRow = checks.locator('tr', { hasText: 'postgres' });
  assert.ok(
    await postgresRow.getByRole('status', { name: 'Pass' }).isVisible(),
  );

  // Charts are lazy: wait for recharts to draw a non-empty area.
  await page.getByTestId('chart-request-rate').waitFor({ timeout: 60_000 });
  await page
    .locator('[data-testid="chart-request-rate"] path.recharts-area-area')
    .first()
    .waitFor({ timeout: 30_000 });
  const d = await page
    .locator('[data-testid="chart-request-rate"] path.recharts-area-curve')
    .first()
    .getAttribute('d');
  assert.ok(d && d.length > 20, 'request rate curve is drawn');

  await page
    .locator('tbody tr')
    .filter({ hasText: /ago|just now/ })
    .first()
    .waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  await shot(page, 'health-tab', { fullPage: true });
  await shot(page, 'health-tab-top');
});

test('a trace opens as a waterfall', async () => {
  // A write shows the most structure (handler, database, outbox).
  const rows = page.locator('tbody tr').filter({ hasText: /ago|just now/ });
  const post = rows.filter({ hasText: 'POST' });
  await ((await post.count()) > 0 ? post.first() : rows.first()).click();
  const waterfall = page.getByTestId('trace-waterfall');
  await waterfall.waitFor({ timeout: 30_000 });
  const spans = waterfall.getByRole('option');
  assert.ok((await spans.count()) >= 1, 'the waterfall lists spans');
  assert.ok(
    (await waterfall.locator('[data-critical="true"]').count()) >= 1,
    'the critical path is marked',
  );
  // Show a span with attributes: the deepest one on the critical path.
  await waterfall.locator('[data-critical="true"]').last().click();
  await waterfall.getByTestId('span-details').waitFor();
  await waterfall.scrollIntoViewIfNeeded();
  await waterfall.screenshot({
    path: join(ARTIFACTS, 'health-tab-waterfall.png'),
  });
  await shot(page, 'health-tab-with-waterfall', { fullPage: true });
});

test('the overview card shows status, p95 and error rate with a link to the tab', async () => {
  await page.goto(`${APP_URL}${ENTITY_PATH}`);
  await page
    .getByText('Service health', { exact: true })
    .first()
    .waitFor({ timeout: 60_000 });
  await page
    .getByTestId('stat-p95 latency')
    .first()
    .waitFor({ timeout: 30_000 });
  await page
    .getByRole('link', { name: /View health, metrics and traces/ })
    .waitFor();
  await page.waitForTimeout(500);
  await shot(page, 'health-card', { fullPage: true });
});
