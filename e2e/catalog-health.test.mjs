// Health across the catalog in the browser, against the real portal: a System with two
// monitored services (small HTTP servers speaking the skeleton's contract: health+json and a
// Prometheus histogram) and one unmonitored component. Both services pass; one is stopped; the
// poller sees it down. The catalog's Health column shows it Down and sorts it first, its hover
// shows p95 and error rate from the direct scrape, the "Health: Unhealthy" filter keeps it,
// and the System page's roll-up card says 1 of 2 healthy with the stopped one first and since
// when, and each service's SLO status (the running one has an OpenSLO file). Screenshots in e2e/artifacts/catalog-health-*.png.
//
//   node --test e2e/catalog-health.test.mjs        (part of `npm run test:e2e`)
//
// Expected figures: every scrape of a service's /metrics adds 100 requests: 90 answered 200
// in 20 ms, 8 answered 200 in 80 ms, 2 answered 500 in 5 ms. So the error rate is 2/100 = 2.0 %
// and the p95 (rank 95 of 100) lies in the (0.05 s, 0.1 s] bucket, 3 of its 8 in:
// 50 + 50 x 3/8 = 68.75 ms, shown as "68.8 ms" (the plugin interpolates as PromQL's
// histogram_quantile does).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitUntil } from '../scripts/example-service.mjs';
import {
  APP_URL,
  BACKEND_URL,
  guestToken,
  launchBrowser,
  ROOT,
  screenshot,
  startPortal,
} from './portal.mjs';

const ID = Date.now().toString(36);
const SYSTEM = `shop-${ID}`;
// "aaa-" keeps the stopped service first among equals when other entities in the catalog are
// down too (the sort breaks ties by name)
const STOPPED = `aaa-shop-api-${ID}`;
const RUNNING = `shop-web-${ID}`;
const UNMONITORED = `shop-docs-${ID}`;
const temp = mkdtempSync(join(tmpdir(), 'catalog-health-e2e-'));
const NAVIGATION = { timeout: 180_000, waitUntil: 'domcontentloaded' };

let portal;
let browser;
let page;
let broken;
let token;
const servers = {};

function step(name, fn) {
  test(name, async t => {
    if (broken) {
      t.skip(`an earlier step failed: ${broken}`);
      return;
    }
    try {
      await fn(t);
    } catch (error) {
      broken = name;
      await page
        ?.screenshot({
          path: join(ROOT, 'e2e/artifacts/catalog-health-failure.png'),
          fullPage: true,
        })
        .catch(() => {});
      throw error;
    }
  });
}

const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '+Inf'];
/** Cumulative bucket counts per scrape step, per status. */
const PER_SCRAPE = {
  200: [0, 0, 90, 90, 98, 98, 98],
  500: [2, 2, 2, 2, 2, 2, 2],
};

/**
 * The running service's OpenSLO file (served by the service itself, read by the backend's
 * UrlReader): 99.9 % of requests without a 5xx over 28 days. Its 2 % errors spend the budget
 * 20 times over once a 5-minute bucket has closed; before that the SLO has no data.
 */
const OPENSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  indicator:
    metadata:
      name: non-5xx
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: fastify-backstage
            spec:
              events: non-5xx
        total:
          metricSource:
            type: fastify-backstage
            spec:
              events: all
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
`;

/** A service speaking the skeleton's contract; every /metrics scrape adds 100 requests. */
function startService(name) {
  let scrapes = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/health' || req.url === '/ready') {
      res.writeHead(200, { 'content-type': 'application/health+json' });
      res.end(
        JSON.stringify({ status: 'pass', version: '1.0.0', serviceId: name }),
      );
      return;
    }
    if (req.url === '/slo.yaml') {
      res.writeHead(200, { 'content-type': 'text/yaml' });
      res.end(OPENSLO);
      return;
    }
    if (req.url === '/metrics') {
      scrapes++;
      const lines = ['# TYPE http_request_duration_seconds histogram'];
      for (const [status, buckets] of Object.entries(PER_SCRAPE)) {
        const labels = `method="GET",route="/v1/items",status_code="${status}"`;
        LES.forEach((le, i) =>
          lines.push(
            `http_request_duration_seconds_bucket{le="${le}",${labels}} ${
              buckets[i] * scrapes
            }`,
          ),
        );
        const count = buckets[buckets.length - 1] * scrapes;
        lines.push(
          `http_request_duration_seconds_sum{${labels}} ${count * 0.03}`,
        );
        lines.push(`http_request_duration_seconds_count{${labels}} ${count}`);
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`${lines.join('\n')}\n`);
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}` }),
    ),
  );
}

async function statuses(refs) {
  const res = await fetch(`${BACKEND_URL}/api/service-health/status`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ entityRefs: refs }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

before(async () => {
  servers.stopped = await startService(STOPPED);
  servers.running = await startService(RUNNING);
  const component = (name, annotations = {}) => `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations: ${JSON.stringify(annotations)}
spec:
  type: service
  lifecycle: production
  owner: group:default/team-a
  system: ${SYSTEM}
`;
  const catalogFile = join(temp, 'catalog-health.yaml');
  writeFileSync(
    catalogFile,
    `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: ${SYSTEM}
  description: The shop, for the catalog-health browser test
spec:
  owner: group:default/team-a
${component(STOPPED, {
  'service-health.io/base-url': servers.stopped.url,
})}${component(RUNNING, {
      'service-health.io/base-url': servers.running.url,
      'fastify-backstage.io/openslo': `${servers.running.url}/slo.yaml`,
    })}${component(UNMONITORED)}`,
  );
  const configFile = join(temp, 'app-config.catalog-health.yaml');
  writeFileSync(
    configFile,
    `backend:
  reading:
    allow:
      - host: ${JSON.stringify(new URL(servers.running.url).host)}
scaffolder:
  fastify:
    localRepositoryRoot: ${JSON.stringify(join(temp, 'repositories'))}
catalog:
  locations:
    - type: file
      target: ${JSON.stringify(join(ROOT, 'catalog-info.yaml'))}
    - type: file
      target: ${JSON.stringify(catalogFile)}
serviceHealth:
  health:
    intervalSeconds: 5
    minRefreshIntervalSeconds: 0
`,
  );
  portal = await startPortal({ extraConfig: [configFile] });
  ({ browser, page } = await launchBrowser());
  token = await guestToken();
});

after(async () => {
  await browser?.close().catch(() => {});
  await portal?.stop();
  for (const s of Object.values(servers)) s.server.close();
  rmSync(temp, { recursive: true, force: true });
});

const refs = [STOPPED, RUNNING, UNMONITORED].map(n => `component:default/${n}`);

step(
  'both services pass, then one is stopped and the poller sees it down',
  async () => {
    await waitUntil(
      async () => {
        const [a, b] = await statuses(refs);
        return (
          a?.state === 'pass' && b?.state === 'pass' && a.metrics?.requests > 0
        );
      },
      {
        timeoutMs: 180_000,
        what: 'both services passing with request figures',
      },
    );
    servers.stopped.server.close();
    servers.stopped.server.closeAllConnections();
    const [stopped, running, plain] = await waitUntil(
      async () => {
        const items = await statuses(refs);
        return items[0]?.state === 'fail' ? items : undefined;
      },
      { timeoutMs: 60_000, what: `${STOPPED} down` },
    );
    assert.equal(stopped.probeStatus, 'down');
    assert.equal(stopped.sinceIsLowerBound, false);
    assert.equal(running.state, 'pass');
    assert.equal(running.metrics.errorRate, 0.02);
    assert.ok(
      Math.abs(running.metrics.p95Ms - 68.75) < 1e-9,
      running.metrics.p95Ms,
    );
    assert.equal(plain.state, 'unknown');
  },
);

step(
  'the catalog shows the Health column, the stopped service first when sorted',
  async () => {
    await page.goto(
      `${APP_URL}/catalog?filters[kind]=component&filters[user]=all`,
      NAVIGATION,
    );
    const header = page.getByRole('columnheader', { name: 'Health' });
    await header.waitFor({ timeout: 120_000 });
    const stoppedRow = page.getByRole('row').filter({ hasText: STOPPED });
    await stoppedRow
      .getByText('Down', { exact: true })
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('row')
      .filter({ hasText: RUNNING })
      .getByText('Healthy', { exact: true })
      .waitFor();
    await header.click();
    const firstRow = page.getByRole('row').nth(1);
    await page.waitForFunction(
      name =>
        document.querySelectorAll('tbody tr')[0]?.textContent?.includes(name),
      STOPPED,
      { timeout: 30_000 },
    );
    assert.match(await firstRow.innerText(), new RegExp(STOPPED));
    await screenshot(page, 'catalog-health-01-column-sorted');

    await page
      .getByRole('row')
      .filter({ hasText: RUNNING })
      .getByText('Healthy')
      .hover();
    const tip = page.getByTestId('health-details');
    await tip.waitFor();
    const text = await tip.innerText();
    assert.match(text, /p95 68\.8 ms/);
    assert.match(text, /errors 2(\.0)? %/);
    // hover again: a re-render of the table may have closed the tooltip
    await page
      .getByRole('row')
      .filter({ hasText: RUNNING })
      .getByText('Healthy')
      .hover();
    await tip.waitFor({ state: 'visible' });
    await screenshot(page, 'catalog-health-02-hover');
  },
);

step('the Health filter keeps the unhealthy services', async () => {
  await page.mouse.move(0, 0);
  await page.getByRole('button', { name: /^All$/ }).last().waitFor();
  const healthSelect = page
    .locator('div')
    .filter({ hasText: /^HealthAll$/ })
    .getByRole('button');
  await healthSelect.click();
  await page.getByRole('option', { name: 'Unhealthy' }).click();
  await page.getByRole('row').filter({ hasText: STOPPED }).waitFor();
  await page.waitForFunction(
    name =>
      ![...document.querySelectorAll('tbody tr')].some(r =>
        r.textContent.includes(name),
      ),
    RUNNING,
    { timeout: 30_000 },
  );
  await screenshot(page, 'catalog-health-03-filter-unhealthy');
});

step(
  "the System page's roll-up: 1 of 2 healthy, the stopped one first, since when, and each one's SLO status",
  async () => {
    // An SLO read (what the Health tab does) stores the running service's evaluation, as the
    // 5-minute aggregation task would: the roll-up's batch read answers from stored ones.
    const slos = await fetch(
      `${BACKEND_URL}/api/service-health/entities/component/default/${RUNNING}/slos`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    assert.equal(slos.status, 200);
    const batch = await fetch(`${BACKEND_URL}/api/service-health/slos/status`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ entityRefs: refs.slice(0, 2) }),
    });
    assert.equal(batch.status, 200);
    const [stoppedSlo, runningSlo] = (await batch.json()).items;
    assert.equal(stoppedSlo.state, 'none');
    // 2 % errors: breached once a bucket has closed, no data before
    assert.ok(
      ['breached', 'no-data'].includes(runningSlo.state),
      JSON.stringify(runningSlo),
    );

    await page.goto(`${APP_URL}/catalog/default/system/${SYSTEM}`, NAVIGATION);
    const summary = page.getByTestId('rollup-summary');
    await summary.waitFor({ timeout: 120_000 });
    assert.equal(await summary.innerText(), '1 of 2 services healthy');
    const rows = page.getByTestId('rollup-service');
    assert.equal(await rows.count(), 2);
    assert.match(
      await rows.nth(0).innerText(),
      new RegExp(`${STOPPED}[\\s\\S]*Down since`),
    );
    assert.match(
      await rows.nth(1).innerText(),
      new RegExp(`${RUNNING}[\\s\\S]*Healthy`),
    );
    await page
      .getByText('1 more component in this system without health monitoring')
      .waitFor();
    // the SLO column: the stopped one has no OpenSLO file, the running one shows what the
    // batch read answered
    const sloCells = page.getByTestId('rollup-slo');
    assert.equal(await sloCells.count(), 2);
    assert.equal(await sloCells.nth(0).getAttribute('data-slo-state'), 'none');
    assert.equal(await sloCells.nth(0).innerText(), 'No SLO');
    assert.equal(
      await sloCells.nth(1).getAttribute('data-slo-state'),
      runningSlo.state,
    );
    assert.equal(
      await sloCells.nth(1).innerText(),
      runningSlo.state === 'breached' ? 'SLO breached' : 'SLO no data',
    );
    await screenshot(page, 'catalog-health-04-system-rollup');
  },
);
