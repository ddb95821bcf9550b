// The whole journey as a new user makes it, in a real browser against the real portal:
// home page → Create → form (a bad name, a taken name and GitHub without a token are refused
// on the form) → task (one step per action) → the repository's page → catalog entity and its
// API → the next-steps commands from the task's output (git clone, npm install, npm run dev)
// → traffic → Health tab with health, the database check, metrics, traces and a waterfall →
// the home page with the service's live status. The browser's console and every API reply are
// watched throughout. Screenshots of each step land in e2e/artifacts/journey-*.png.
//
//   node --test e2e/journey.test.mjs        (part of `npm run test:e2e`)
//
// Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH), git, and the npm registry or a warm npm
// cache (the new service's `npm install` runs with --prefer-offline). Everything started here
// (portal, service, browser) is stopped and every temp dir removed in `after`, even on failure.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { runSyntheticLoad, waitUntil } from '../scripts/example-service.mjs';
import {
  APP_URL,
  ARTIFACTS,
  BACKEND_URL,
  guestToken,
  launchBrowser,
  screenshot,
  startPortal,
  stopProcessGroup,
  trackProcessGroup,
} from './portal.mjs';

const exec = promisify(execFile);
// A stack frame naming a file: what no reply and no task log may show a user.
const STACK_FRAME = /\bat .*\/[^\s]+\.(?:ts|js|mjs|cjs):\d+/;

const NAME = `journey-${Date.now().toString(36)}`;
const DESCRIPTION = 'Created by the browser journey test.';
const ENTITY_PATH = `/catalog/default/component/${NAME}`;
const HEALTH_API = `/api/service-health/entities/component/default/${NAME}`;
// The e2e portal's trace receiver; the template's .env.development names :7007 (the `npm start` portal).

const temp = mkdtempSync(join(tmpdir(), 'journey-e2e-'));
const repositoryRoot = join(temp, 'repositories'); // scaffolder.fastify.localRepositoryRoot
const workDir = join(temp, 'work'); // where the "user" runs the next-steps commands
const timings = {};

let portal;
let browser;
let page;
let port;
let taskId;
let nextSteps; // the commands shown in the task's "Next steps" text
let service; // { child, dir, url, output() }
let stopLoad;
const consoleMessages = []; // { type, text, location }
const errorReplies = []; // API replies >= 400: { status, url, body }

/** A port nothing listens on right now. */
async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: found } = server.address();
      server.close(() => resolvePort(found));
    });
  });
}

async function backendGet(path) {
  const res = await fetch(`${BACKEND_URL}${path}`, {
    headers: { authorization: `Bearer ${await guestToken()}` },
  });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return res.json();
}

/**
 * The environment of a terminal a new user opens: none of this test runner's npm_* variables,
 * nor the CI's DATABASE_URL / REDIS_URL (the service's own defaults are PGlite and an in-process
 * bus), nor anything that would override the service's .env.development.
 */
function userEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || /^(OTEL_|PGLITE_)/.test(key)) continue;
    if (
      [
        'DATABASE_URL',
        'REDIS_URL',
        'PORT',
        'NODE_ENV',
        'LOG_LEVEL',
        'INIT_CWD',
      ].includes(key)
    )
      continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs the task output's commands in order, as a user pastes them; `npm run dev` keeps running. */
async function runNextSteps(commands) {
  mkdirSync(workDir, { recursive: true });
  let cwd = workDir;
  for (const line of commands) {
    const [command, ...args] = line.split(/\s+/);
    const started = Date.now();
    if (command === 'cd') {
      cwd = resolve(cwd, args[0]);
    } else if (command === 'npm' && args[0] === 'install') {
      // The shared npm cache keeps this fast and offline-friendly; audit/fund only add network calls.
      await exec(
        'npm',
        [...args, '--prefer-offline', '--no-audit', '--no-fund'],
        {
          cwd,
          env: userEnv(),
          maxBuffer: 64 * 1024 * 1024,
          timeout: 300_000,
        },
      );
      timings['npm install'] = Date.now() - started;
    } else if (command === 'npm' && args.join(' ') === 'run dev') {
      let output = '';
      const child = spawn('npm', ['run', 'dev'], {
        cwd,
        detached: true, // own process group: npm, node --watch and the server stop together
        stdio: ['ignore', 'pipe', 'pipe'],
        // Nothing to configure: the template pointed the exporter at this portal.
        env: userEnv(),
      });
      const keep = chunk => {
        output = (output + chunk).slice(-20000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      trackProcessGroup(child.pid);
      service = {
        child,
        dir: cwd,
        url: `http://localhost:${port}`,
        port,
        output: () => output,
        started,
      };
    } else {
      await exec(command, args, { cwd, env: userEnv(), timeout: 120_000 });
      if (command === 'git') timings['git clone'] = Date.now() - started;
    }
  }
}

/** The wall-clock time the tab shows for an ISO time (same zone as the browser's). */
function clock(isoTime) {
  return new Date(isoTime).toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The Health tab of the new entity, with `query` (e.g. `?range=7d`). */
async function openHealthTab(query = '') {
  await page.goto(`${APP_URL}${ENTITY_PATH}/health${query}`);
  await page.getByTestId('service-health-content').waitFor({ timeout: 60_000 });
}

async function stopService() {
  if (service) await stopProcessGroup(service.child, 10_000);
}

/**
 * One step of the journey: a node:test test that is skipped once an earlier step failed (the
 * rest of the journey cannot happen), and that screenshots the page when it fails.
 */
let broken;
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
          path: join(
            ARTIFACTS,
            `journey-failure-${name
              .split(':')[0]
              .toLowerCase()
              .replace(/\W+/g, '-')}.png`,
          ),
          fullPage: true,
        })
        .catch(() => {});
      throw error;
    }
  });
}

before(async () => {
  const configFile = join(temp, 'app-config.journey.yaml');
  writeFileSync(
    configFile,
    `# A fresh local repository root per run: runs don't collide and nothing is left in the repository.
scaffolder:
  fastify:
    localRepositoryRoot: ${JSON.stringify(repositoryRoot)}
`,
  );
  const started = Date.now();
  portal = await startPortal({ extraConfig: [configFile] });
  timings['portal start'] = Date.now() - started;
  // E2E_SERVICE_PORT pins the new service's port (a shared machine's assigned range).
  port = process.env.E2E_SERVICE_PORT
    ? Number(process.env.E2E_SERVICE_PORT)
    : await freePort();
  ({ browser, page } = await launchBrowser());
  page.on('console', message => {
    if (['error', 'warning'].includes(message.type())) {
      consoleMessages.push({ type: message.type(), text: message.text() });
    }
  });
  page.on('response', async response => {
    if (response.status() < 400 || !response.url().startsWith(BACKEND_URL)) {
      return;
    }
    const body = await response.text().catch(() => '');
    errorReplies.push({ status: response.status(), url: response.url(), body });
  });
});

after(async () => {
  stopLoad?.();
  await stopService();
  await browser?.close().catch(() => {});
  await portal?.stop();
  rmSync(temp, { recursive: true, force: true });
  const table = Object.entries(timings)
    .map(
      ([step, ms]) =>
        `  ${step.padEnd(28)} ${(ms / 1000).toFixed(1).padStart(6)} s`,
    )
    .join('\n');
  console.log(`journey timings (${NAME}):\n${table}`);
});

step(
  'Home: / shows the services, a Create button and where to go next',
  async () => {
    // The first page load waits for the dev server's bundle: slow on a busy machine.
    await page.goto(APP_URL, { timeout: 180_000 });
    await page
      .getByRole('heading', { name: 'Fastify Service Portal' })
      .waitFor({ timeout: 60_000 });
    await page.getByText('Services', { exact: true }).waitFor();
    // A fresh portal: no service yet, and it says so.
    await page.getByText(/No services yet/).waitFor({ timeout: 30_000 });
    await page.getByText('Where to go next').waitFor();
    const create = page.locator('a', { hasText: 'Create a Fastify service' });
    assert.equal(
      await create.getAttribute('href'),
      '/create/templates/default/fastify-service',
    );
    await screenshot(page, 'journey-00-home');
  },
);

/** The messages the Create form shows for its fields (rjsf's error list and helper texts). */
async function formErrors() {
  return page.evaluate(() =>
    [
      ...document.querySelectorAll(
        '.MuiFormHelperText-root.Mui-error, [role="alert"], .MuiAlert-message, li.MuiListItem-root .MuiListItemText-primary',
      ),
    ]
      .map(e => e.textContent.trim())
      .filter(Boolean)
      .join('\n'),
  );
}

/** Clicks Next (or Review) and waits until the form says `expected`: the step was refused. */
async function expectRefused(button, expected, screenshotName) {
  await page.getByRole('button', { name: button }).click();
  await page.getByText(expected).first().waitFor({ timeout: 30_000 });
  await screenshot(page, screenshotName);
  return formErrors();
}

async function tasksSoFar() {
  const res = await fetch(`${BACKEND_URL}/api/scaffolder/v2/tasks`, {
    headers: { authorization: `Bearer ${await guestToken()}` },
  });
  const body = await res.json();
  return body.totalTasks ?? body.tasks.length;
}

step(
  'Create: the Fastify service template runs from the form and finishes green',
  async () => {
    await page.locator('a', { hasText: 'Create a Fastify service' }).click();
    await page.waitForURL(/\/create\/templates\/default\/fastify-service/, {
      timeout: 60_000,
    });
    const tasksBefore = await tasksSoFar();

    // Step 1: Service. A bad name is refused in plain words (no regular expression) ...
    const name = page.locator('#root_name');
    await name.fill('Orders API', { timeout: 120_000 });
    await page.locator('#root_description').fill(DESCRIPTION);
    const owner = page.locator('#root_owner');
    await owner.click();
    await owner.fill('team-a');
    await page
      .getByRole('option', { name: 'team-a', exact: true })
      .click({ timeout: 30_000 });
    assert.match(await owner.inputValue(), /team-a$/);
    const badName = await expectRefused(
      'Next',
      /Use lower-case letters and digits in words joined by single dashes/,
      'journey-02a-form-bad-name',
    );
    assert.doesNotMatch(badName, /\^\[a-z\]|must match pattern/);
    // ... and so is a name the catalog already has, before any task runs.
    await name.fill('service-health');
    await expectRefused(
      'Next',
      /The catalog already has a component named service-health/,
      'journey-02b-form-taken-name',
    );
    await name.fill(NAME);
    await screenshot(page, 'journey-02-form-service');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 2: Features. Defaults: PostgreSQL (embedded PGlite in development), JWT auth, no events.
    await page.locator('#root_port').waitFor({ timeout: 30_000 });
    assert.ok(
      await page.locator('#root_database-0').isChecked(),
      'PostgreSQL is the default',
    );
    assert.ok(
      await page.locator('#root_auth-0').isChecked(),
      'JWT is the default',
    );
    // The form reads top to bottom: Events (offered with PostgreSQL) right after the database they need.
    const fields = await page.evaluate(() => [
      ...new Set(
        [...document.querySelectorAll('input[id^="root_"]')].map(input =>
          input.id.replace(/-\d+$/, ''),
        ),
      ),
    ]);
    assert.deepEqual(fields, [
      'root_database',
      'root_events',
      'root_auth',
      'root_port',
    ]);
    await page.locator('#root_port').fill(String(port));
    await screenshot(page, 'journey-03-form-features');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 3: Repository. GitHub needs the portal's token, which this portal has not: the
    // form says so before anything runs. The repository name starts as the service's name,
    // and what is typed counts without a Tab.
    await page.getByLabel(/^GitHub/).check({ timeout: 30_000 });
    const repoName = page.locator('#root_repoUrl-repo');
    await repoName.waitFor({ timeout: 30_000 });
    assert.equal(await repoName.inputValue(), NAME);
    await page.locator('#root_repoUrl-owner').fill('acme');
    await expectRefused(
      /^(Review|Next)$/,
      /has no token/,
      'journey-04a-form-github-without-token',
    );
    const local = page.getByLabel('Local git repository (this portal)');
    await local.check();
    await screenshot(page, 'journey-04-form-repository');
    await page.getByRole('button', { name: /^(Review|Next)$/ }).click();

    // Step 4: Review, in the form's words.
    await page
      .getByRole('button', { name: 'Create' })
      .waitFor({ timeout: 30_000 });
    const review = await page.locator('body').innerText();
    for (const expected of [
      NAME,
      DESCRIPTION,
      'group:default/team-a',
      String(port),
      'Local git repository (this portal)',
      'JWT',
      'PostgreSQL',
      'Experimental',
    ]) {
      assert.ok(review.includes(expected), `the review shows ${expected}`);
    }
    assert.doesNotMatch(review, /\b(postgres|jwt|local)\b/);
    assert.doesNotMatch(
      review,
      /owner=acme/,
      'the abandoned GitHub choice is gone',
    );
    await screenshot(page, 'journey-05-review');
    assert.equal(
      await tasksSoFar(),
      tasksBefore,
      'no task ran while the form refused the bad name, the taken name and GitHub',
    );

    const clicked = Date.now();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/create\/tasks\/[0-9a-f-]+/, { timeout: 60_000 });
    taskId = page.url().split('/create/tasks/')[1].split(/[?#/]/)[0];

    // The task API tells completed/failed without guessing from the page.
    const status = await waitUntil(
      async () => {
        const task = await backendGet(`/api/scaffolder/v2/tasks/${taskId}`);
        return (
          ['completed', 'failed', 'cancelled'].includes(task.status) &&
          task.status
        );
      },
      { timeoutMs: 300_000, what: `template task ${taskId}`, intervalMs: 2000 },
    );
    if (status !== 'completed') {
      await screenshot(page, 'journey-06-task-failed');
      const events = await backendGet(
        `/api/scaffolder/v2/tasks/${taskId}/events`,
      );
      const log = events
        .filter(e => e.type === 'log')
        .map(e => e.body.message)
        .slice(-20)
        .join('\n');
      assert.fail(`template task ${status}:\n${log}`);
    }
    await page
      .getByRole('link', { name: 'Open in catalog', exact: true })
      .waitFor({ timeout: 60_000 });
    timings['template task (click→done)'] = Date.now() - clicked;

    // One step per thing that happened: every step ran, none was skipped, none twice.
    const events = await backendGet(
      `/api/scaffolder/v2/tasks/${taskId}/events`,
    );
    const messages = events
      .filter(e => e.type === 'log')
      .map(e => e.body.message);
    assert.deepEqual(
      messages.filter(m => m.startsWith('Finished step ')),
      [
        "Finished step Read the template's version",
        "Finished step Read the portal's address",
        'Finished step Render the service',
        'Finished step Apply the feature choices',
        'Finished step Record the template version and answers',
        'Finished step Publish the repository',
        'Finished step Keep the pristine render on the template branch',
        'Finished step Register in the catalog',
      ],
    );
    assert.deepEqual(
      events.filter(e => e.body.status === 'skipped'),
      [],
      'no step was skipped',
    );
    const stepLabels = await page.getByTestId('step-label').allInnerTexts();
    assert.deepEqual(
      stepLabels.map(l => l.split('\n')[0].trim()),
      [
        "Read the template's version",
        "Read the portal's address",
        'Render the service',
        'Apply the feature choices',
        'Record the template version and answers',
        'Publish the repository',
        'Keep the pristine render on the template branch',
        'Register in the catalog',
      ],
    );
    for (const message of messages) {
      assert.doesNotMatch(
        message,
        STACK_FRAME,
        'no stack trace in the task log',
      );
    }

    // The "Next steps" text on the page: the commands the user is told to run.
    const nextStepsCard = page
      .locator('pre, code')
      .filter({ hasText: 'git clone' })
      .first();
    await nextStepsCard.waitFor({ timeout: 30_000 });
    nextSteps = (await nextStepsCard.innerText())
      .split('\n')
      .map(l => l.trim())
      .filter(Boolean);
    assert.deepEqual(
      nextSteps.slice(1),
      [`cd ${NAME}`, 'npm install', 'npm run dev'],
      `next steps: ${nextSteps.join(' | ')}`,
    );
    assert.match(
      nextSteps[0],
      new RegExp(`^git clone file://${repositoryRoot}/${NAME}\\.git ${NAME}$`),
    );
    await page.getByText(`http://localhost:${port}`).first().waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'journey-06-task-done');
  },
);

step(
  "Repository: the task's link opens a page with the repository and a copyable clone command",
  async () => {
    assert.ok(taskId, 'the template task ran');
    const repoLink = page.getByRole('link', { name: /^Repository\b/ });
    const href = await repoLink.getAttribute('href');
    assert.equal(href, `${APP_URL}/local-git/${NAME}`);
    await page.goto(href);
    await page
      .getByRole('heading', { name: NAME })
      .first()
      .waitFor({ timeout: 60_000 });
    const clone = `git clone file://${repositoryRoot}/${NAME}.git ${NAME}`;
    await page.getByText(clone).first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: /copy/i }).first().waitFor();
    await page.getByText('catalog-info.yaml').first().waitFor();
    await page
      .getByText(`Create ${NAME} from the Fastify service template`)
      .first()
      .waitFor();
    await screenshot(page, 'journey-06b-repository');
    await page.goBack();
    await page
      .getByRole('link', { name: 'Open in catalog', exact: true })
      .waitFor({ timeout: 60_000 });
  },
);

step(
  'Catalog: the output link opens the new entity with its owner and links',
  async () => {
    assert.ok(taskId, 'the template task ran');
    assert.equal(
      await page
        .getByRole('link', { name: 'Health', exact: true })
        .getAttribute('href'),
      `${ENTITY_PATH}/health`,
    );

    // The register step waits until the catalog can read the entity, so the link works at once.
    const registered = await backendGet(
      `/api/catalog/entities/by-name/component/default/${NAME}`,
    );
    assert.ok(
      registered,
      `${NAME} is in the catalog when the task has finished`,
    );
    await page
      .getByRole('link', { name: 'Open in catalog', exact: true })
      .click();
    await page.waitForURL(new RegExp(`${ENTITY_PATH}/?$`), { timeout: 60_000 });
    await page
      .getByRole('heading', { name: NAME })
      .first()
      .waitFor({ timeout: 60_000 });
    await page.getByText(DESCRIPTION).first().waitFor({ timeout: 30_000 });

    // Owner in the header and the About card, linking to the group.
    const ownerLinks = page.getByRole('link', { name: 'team-a' });
    await ownerLinks.first().waitFor({ timeout: 30_000 });
    assert.match(
      await ownerLinks.first().getAttribute('href'),
      /\/catalog\/default\/group\/team-a/,
    );

    // The links the template wrote into catalog-info.yaml.
    const docs = page.getByRole('link', { name: /API docs \(local\)/ });
    const metrics = page.getByRole('link', { name: /Metrics \(local\)/ });
    await docs.waitFor({ timeout: 30_000 });
    assert.equal(
      await docs.getAttribute('href'),
      `http://localhost:${port}/docs`,
    );
    assert.equal(
      await metrics.getAttribute('href'),
      `http://localhost:${port}/metrics`,
    );
    // The Health tab is offered (the entity has the service-health annotations).
    await page
      .getByRole('link', { name: 'Health', exact: true })
      .first()
      .waitFor();

    const entity = await backendGet(
      `/api/catalog/entities/by-name/component/default/${NAME}`,
    );
    assert.equal(entity.spec.owner, 'group:default/team-a');
    assert.equal(entity.spec.type, 'service');
    assert.equal(
      entity.metadata.annotations['service-health.io/base-url'],
      `http://localhost:${port}`,
    );
    assert.equal(
      entity.metadata.annotations['service-health.io/otel-service-name'],
      NAME,
    );
    await screenshot(page, 'journey-07-entity');
  },
);

step(
  'Health tab: before the service runs, it is "not started yet", not down',
  async () => {
    // The portal probes the registered entity at once (nothing listens yet).
    const health = await waitUntil(
      async () => {
        const h = await backendGet(`${HEALTH_API}/health`);
        return h.data?.lifecycle?.firstProbeAt ? h.data : undefined;
      },
      { timeoutMs: 60_000, what: 'a first probe of the new entity' },
    );
    assert.equal(health.status, 'down');
    assert.equal(health.lifecycle.firstUpAt, undefined);
    await openHealthTab();
    const banner = page.getByTestId('service-not-started');
    await banner.waitFor({ timeout: 60_000 });
    assert.match(await banner.innerText(), /Not started yet/);
    assert.match(
      await banner.innerText(),
      new RegExp(`since ${clock(health.lifecycle.firstProbeAt)}`),
    );
    assert.equal(await page.getByTestId('service-down').count(), 0);
    const ratio = page.getByTestId('uptime-ratio');
    await ratio.waitFor({ timeout: 30_000 });
    assert.equal((await ratio.innerText()).trim(), 'not started yet');
    await screenshot(page, 'journey-07b-health-not-started');
  },
);

step(
  'Start: the next-steps commands clone, install and run the service',
  async () => {
    assert.ok(nextSteps, 'the task showed its next steps');
    await runNextSteps(nextSteps);
    assert.ok(service, 'npm run dev was started');
    await waitUntil(
      async () => {
        if (service.child.exitCode !== null)
          throw new Error(`npm run dev exited with ${service.child.exitCode}`);
        return (
          await fetch(`${service.url}/ready`, {
            signal: AbortSignal.timeout(3000),
          })
        ).ok;
      },
      { timeoutMs: 120_000, what: `${service.url}/ready`, intervalMs: 500 },
    ).catch(error => {
      throw new Error(
        `${error.message}\n--- npm run dev ---\n${service.output()}`,
      );
    });
    timings['npm run dev → ready'] = Date.now() - service.started;

    // Traffic as the README shows it: a token from the service's own `npm run token`.
    stopLoad = await runSyntheticLoad(service, { perSecond: 1.5 });
  },
);

step(
  'Health tab: health passes, the database check, metrics and traces are live',
  async () => {
    assert.ok(service, 'the service runs');
    const started = Date.now();
    // The backend first: poll for data rather than sleep (health every 15 s; metrics need two scrapes).
    await waitUntil(
      async () =>
        (await backendGet(`${HEALTH_API}/health`)).data?.status === 'pass',
      {
        timeoutMs: 90_000,
        what: 'a passing health probe',
      },
    );
    await waitUntil(
      async () => {
        const series = await backendGet(`${HEALTH_API}/metrics/series`);
        return (
          (series.data?.points ?? []).filter(p => p.requestRate > 0).length >= 2
        );
      },
      {
        timeoutMs: 150_000,
        what: 'two points of request rate',
        intervalMs: 3000,
      },
    );
    await waitUntil(
      async () =>
        ((await backendGet(`${HEALTH_API}/traces`)).data ?? []).length > 0,
      {
        timeoutMs: 60_000,
        what: 'traces in the embedded receiver',
      },
    );
    timings['traffic → data on the tab'] = Date.now() - started;

    // Then the page, through the entity's Health tab.
    await page.goto(`${APP_URL}${ENTITY_PATH}`);
    await page
      .getByRole('link', { name: 'Health', exact: true })
      .first()
      .click({ timeout: 60_000 });
    await page
      .getByTestId('service-health-content')
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('status', { name: 'Healthy' })
      .first()
      .waitFor({ timeout: 60_000 });

    const checks = page.getByRole('table', { name: 'Dependency checks' });
    const postgres = checks.locator('tr', { hasText: 'postgres:connection' });
    // The row is there first; its status is what we assert (waitFor fails the test if it never
    // shows Pass).
    await postgres
      .getByRole('status', { name: 'Pass' })
      .waitFor({ timeout: 30_000 });

    // The request-rate chart draws a non-empty area.
    const curve = page
      .locator('[data-testid="chart-request-rate"] path.recharts-area-curve')
      .first();
    await curve.waitFor({ timeout: 60_000 });
    const d = await curve.getAttribute('d');
    assert.ok(d && d.length > 20, 'the request-rate curve is drawn');

    // The traces table lists requests of this service.
    const traceRows = page
      .locator('tbody tr')
      .filter({ hasText: /ago|just now/ })
      .filter({ hasText: NAME });
    await traceRows.first().waitFor({ timeout: 60_000 });
    assert.ok((await traceRows.count()) >= 1, 'the trace list has rows');
    // Uptime counts from the first passing probe: a service healthy since it
    // started is at 100 %, whatever the portal saw before it ran.
    const history = await backendGet(`${HEALTH_API}/health/history`);
    assert.ok(history.data.firstUpAt, 'the service has passed a probe');
    assert.equal(history.data.uptimeRatio, 1, JSON.stringify(history.data));
    const ratio = page.getByTestId('uptime-ratio');
    await page.waitForFunction(
      () =>
        /100 %$/.test(
          document.querySelector('[data-testid="uptime-ratio"]')?.textContent ??
            '',
        ),
      undefined,
      { timeout: 60_000 },
    );
    assert.match(
      await ratio.innerText(),
      new RegExp(`since ${clock(history.data.firstUpAt)}`),
    );
    await page.waitForTimeout(500); // let the charts finish their entry animation
    await screenshot(page, 'journey-08-health-tab');
  },
);

step("Health tab: the SLO cards of the repository's openslo.yaml", async () => {
  // The catalog read the file through the local repository's UrlReader.
  const slos = await waitUntil(
    async () => {
      const r = await backendGet(`${HEALTH_API}/slos`);
      return r.data?.slos?.length === 2 ? r.data : undefined;
    },
    { timeoutMs: 60_000, what: 'the SLOs of openslo.yaml' },
  );
  assert.deepEqual(
    slos.slos.map(s => [s.name, s.target, s.window]),
    [
      [`${NAME}-availability`, 0.999, '28d'],
      [`${NAME}-latency`, 0.95, '28d'],
    ],
  );
  await openHealthTab();
  const availability = page.getByTestId(`slo-${NAME}-availability`);
  await availability.waitFor({ timeout: 60_000 });
  assert.match(
    await availability.innerText(),
    /Requests answered without a 5xx · objective 99\.9 % over 28d/,
  );
  const latency = page.getByTestId(`slo-${NAME}-latency`);
  assert.match(
    await latency.innerText(),
    /Requests faster than 300 ms · objective 95 % over 28d/,
  );
  // Figures come from closed 5-minute buckets: a service this young has
  // none yet, or a first one; the card says which, never a made-up figure.
  const status = slos.slos[0].status;
  assert.ok(['no-data', 'ok'].includes(status), status);
  if (status === 'no-data') {
    // (the status is shown in capitals)
    assert.match(await availability.innerText(), /No data yet/i);
    assert.doesNotMatch(await availability.innerText(), /0 requests/);
  }
  await availability.scrollIntoViewIfNeeded();
  await screenshot(page, 'journey-08b-slo-cards');
});

step('Health tab: a trace opens as a waterfall', async () => {
  const rows = page
    .locator('tbody tr')
    .filter({ hasText: /ago|just now/ })
    .filter({ hasText: NAME });
  // A write shows the most structure (handler and database).
  const post = rows.filter({ hasText: 'POST' });
  await ((await post.count()) > 0 ? post.first() : rows.first()).click();
  const waterfall = page.getByTestId('trace-waterfall');
  await waterfall.waitFor({ timeout: 30_000 });
  assert.ok(
    (await waterfall.getByRole('option').count()) >= 1,
    'the waterfall lists spans',
  );
  const critical = waterfall.locator('[data-critical="true"]');
  assert.ok((await critical.count()) >= 1, 'the critical path is marked');
  await critical.last().click();
  await waterfall.getByTestId('span-details').waitFor({ timeout: 10_000 });
  await waterfall.scrollIntoViewIfNeeded();
  await waterfall.screenshot({
    path: join(ARTIFACTS, 'journey-09-waterfall.png'),
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'journey-10-health-tab-with-waterfall');
});

step(
  'Health tab: the URL keeps the range and the trace across a reload',
  async () => {
    const rows = page
      .locator('tbody tr')
      .filter({ hasText: /ago|just now/ })
      .filter({ hasText: NAME });
    await rows.first().click();
    const waterfall = page.getByTestId('trace-waterfall');
    await waterfall.waitFor({ timeout: 30_000 });
    // Opening a trace brings its waterfall into view.
    await page.waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="trace-waterfall"]');
        if (!el) return false;
        const box = el.getBoundingClientRect();
        return box.top >= -1 && box.top < window.innerHeight;
      },
      undefined,
      { timeout: 10_000 },
    );
    await page.getByRole('button', { name: 'Time range' }).click();
    await page.getByRole('option', { name: 'Last 6 hours' }).click();
    await page.waitForURL(/range=6h/);
    const url = new URL(page.url());
    const traceId = url.searchParams.get('trace');
    assert.ok(traceId, `the selected trace is in the URL: ${url}`);
    await page.reload();
    await page.getByTestId('trace-waterfall').waitFor({ timeout: 60_000 });
    assert.match(
      await page.getByRole('button', { name: 'Time range' }).innerText(),
      /Last 6 hours/,
    );
    assert.equal(new URL(page.url()).searchParams.get('trace'), traceId);
    await screenshot(page, 'journey-10b-reloaded-with-trace');
  },
);

step(
  'Overview: the service health card shows status, p95 and error rate with a link to the tab',
  async () => {
    await page.goto(`${APP_URL}${ENTITY_PATH}`);
    await page
      .getByText('Service health', { exact: true })
      .first()
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('status', { name: 'Healthy' })
      .first()
      .waitFor({ timeout: 60_000 });
    await page
      .getByTestId('stat-p95 latency')
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .getByTestId('stat-Error rate')
      .first()
      .waitFor({ timeout: 30_000 });
    await page
      .getByRole('link', { name: /View health, metrics and traces/ })
      .waitFor();
    // Above the fold: no empty relation tables before it.
    const card = await page
      .getByText('Service health', { exact: true })
      .first()
      .boundingBox();
    assert.ok(card && card.y < 900, `the health card starts at y=${card?.y}`);
    await page.waitForTimeout(500);
    await screenshot(page, 'journey-11-overview-card');
  },
);

step(
  'APIs: the entity provides its API, with the OpenAPI definition',
  async () => {
    await page.goto(`${APP_URL}${ENTITY_PATH}`);
    // The entity's APIs tab (the sidebar's "APIs" is the API explorer).
    await page
      .locator(`a[href$="${ENTITY_PATH}/apis"]`)
      .first()
      .click({ timeout: 60_000 });
    await page.waitForURL(new RegExp(`${ENTITY_PATH}/apis`), {
      timeout: 60_000,
    });
    const apiLink = page.getByRole('link', { name: NAME, exact: true }).last();
    await apiLink.waitFor({ timeout: 60_000 });
    await screenshot(page, 'journey-12-apis-tab');
    await apiLink.click();
    await page.waitForURL(new RegExp(`/catalog/default/api/${NAME}`), {
      timeout: 60_000,
    });
    await page
      .getByRole('link', { name: 'Definition', exact: true })
      .first()
      .click({ timeout: 60_000 });
    // Swagger UI renders the definition the service's repository carries.
    await page.locator('.swagger-ui').waitFor({ timeout: 60_000 });
    await page.getByText('/v1/items').first().waitFor({ timeout: 60_000 });
    await page.getByText('/health').first().waitFor();
    const api = await backendGet(
      `/api/catalog/entities/by-name/api/default/${NAME}`,
    );
    assert.equal(api.spec.type, 'openapi');
    // The repository's openapi.json: the document the running service serves.
    const served = await (await fetch(`${service.url}/docs/json`)).json();
    assert.deepEqual(JSON.parse(api.spec.definition), served);
    await screenshot(page, 'journey-13-api-definition');
  },
);

step('Home: the new service is listed with its live status', async () => {
  await page.goto(APP_URL);
  const row = page.getByTestId(`home-service-${NAME}`);
  await row.waitFor({ timeout: 60_000 });
  await row
    .getByRole('status', { name: 'Healthy' })
    .waitFor({ timeout: 60_000 });
  await screenshot(page, 'journey-14-home-with-service');
});

step(
  'Health tab: a stopped service is down since the first failed probe, its history still shown',
  async () => {
    assert.ok(service, 'the service runs');
    stopLoad?.();
    stopLoad = undefined;
    const before = await backendGet(`${HEALTH_API}/health`);
    const stoppedAt = Date.now();
    await stopService();
    // The next scheduled probe fails; the outage starts there, not "just now".
    const down = await waitUntil(
      async () => {
        const h = await backendGet(`${HEALTH_API}/health`);
        return h.data?.status === 'down' && h.data.lifecycle?.downSince
          ? h.data
          : undefined;
      },
      {
        timeoutMs: 120_000,
        what: 'a failed probe after the stop',
        intervalMs: 2000,
      },
    );
    const downSince = Date.parse(down.lifecycle.downSince);
    assert.ok(
      downSince >= stoppedAt - 1000 &&
        downSince > Date.parse(before.data.checkedAt),
      `down since ${down.lifecycle.downSince}, stopped at ${new Date(
        stoppedAt,
      ).toISOString()}`,
    );
    assert.ok(Date.parse(down.lifecycle.lastUpAt) < downSince);

    // Let a further probe fail, so "since" is not simply the latest probe.
    await waitUntil(
      async () => {
        const h = await backendGet(`${HEALTH_API}/health`);
        return Date.parse(h.data.checkedAt) > downSince ? h.data : undefined;
      },
      { timeoutMs: 120_000, what: 'a second failed probe', intervalMs: 3000 },
    );
    await openHealthTab();
    const banner = page.getByTestId('service-down');
    await banner.waitFor({ timeout: 60_000 });
    assert.match(
      await banner.innerText(),
      new RegExp(`Service is down since ${clock(down.lifecycle.downSince)}`),
    );
    // The stored metrics are still on the tab, the scrape failure said once.
    await page.getByTestId('stat-Requests').waitFor({ timeout: 60_000 });
    const curve = page
      .locator('[data-testid="chart-request-rate"] path.recharts-area-curve')
      .first();
    await curve.waitFor({ timeout: 60_000 });
    assert.ok(
      ((await curve.getAttribute('d')) ?? '').length > 20,
      'the request-rate history is drawn while the service is down',
    );
    await page.getByTestId('source-unreachable').first().waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'journey-15-down-with-history');
  },
);

step(
  'Health tab: a restart with a new RELEASE_ID is a deploy marker on the charts',
  async () => {
    assert.ok(service, 'the service ran');
    const dir = service.dir;
    const before = Date.now();
    let output = '';
    const child = spawn('npm', ['run', 'dev'], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: userEnv({ RELEASE_ID: 'journey-2' }),
    });
    const keep = chunk => {
      output = (output + chunk).slice(-20000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    trackProcessGroup(child.pid);
    service = { ...service, child, output: () => output, started: before };
    await waitUntil(
      async () => {
        const h = await backendGet(`${HEALTH_API}/health`);
        return h.data?.status === 'pass' && h.data.releaseId === 'journey-2';
      },
      { timeoutMs: 150_000, what: 'a probe reporting journey-2' },
    ).catch(error => {
      throw new Error(`${error.message}\n--- npm run dev ---\n${output}`);
    });
    stopLoad = await runSyntheticLoad(service, { perSecond: 1.5 });
    const releases = await backendGet(
      `${HEALTH_API}/releases?from=${new Date(
        before - 3_600_000,
      ).toISOString()}`,
    );
    const deploy = releases.data.find(r => r.releaseId === 'journey-2');
    assert.ok(deploy, JSON.stringify(releases.data));
    assert.deepEqual(deploy.previous, { version: '0.1.0' });
    assert.ok(Date.parse(deploy.seenAt) >= before);
    await openHealthTab();
    const markers = page.getByTestId('deploy-markers');
    await markers.waitFor({ timeout: 60_000 });
    assert.match(
      await markers.innerText(),
      new RegExp(
        `0\\.1\\.0 \\(journey-2\\) at ${clock(
          deploy.seenAt,
        )} \\(was 0\\.1\\.0\\)`,
      ),
    );
    // The dashed line itself (zero width: Playwright calls it hidden, so attached is what to wait for).
    const line = page
      .locator(
        '[data-testid="chart-request-rate"] line.recharts-reference-line-line',
      )
      .first();
    await line.waitFor({ state: 'attached', timeout: 30_000 });
    assert.ok(Number(await line.getAttribute('x1')) > 0, 'the marker has an x');
    await page.waitForTimeout(500);
    await screenshot(page, 'journey-16-deploy-marker');
  },
);

step(
  'Health tab: the 7-day range draws a series from the data it has',
  async () => {
    const series = await backendGet(
      `${HEALTH_API}/metrics/series?from=${new Date(
        Date.now() - 7 * 86_400_000,
      ).toISOString()}&step=3600`,
    );
    const drawn = series.data.points.filter(p => p.requestRate !== undefined);
    assert.ok(series.data.dataSince, 'the series says where the data starts');
    assert.ok(
      drawn.length >= 3,
      `more than a dot: ${drawn.length} points at ${series.data.stepSeconds} s`,
    );
    await openHealthTab('?range=7d');
    assert.match(
      await page.getByRole('button', { name: 'Time range' }).innerText(),
      /Last 7 days/,
    );
    const caption = page.getByTestId('series-caption');
    await caption.waitFor({ timeout: 60_000 });
    assert.match(
      await caption.innerText(),
      new RegExp(`Data since ${clock(series.data.dataSince)}`),
    );
    const curve = page
      .locator('[data-testid="chart-request-rate"] path.recharts-area-curve')
      .first();
    await curve.waitFor({ timeout: 60_000 });
    // A line through several points: more than one move-to-and-line segment.
    const d = (await curve.getAttribute('d')) ?? '';
    assert.ok(
      (d.match(/[CL]/g) ?? []).length >= 2,
      `a series, not a dot: ${d}`,
    );
    await page.waitForTimeout(500);
    await screenshot(page, 'journey-17-seven-days');
  },
);

/*
 * React and MUI print these in development for code in Backstage's own packages (React 19
 * deprecations, and the catalog table toolbar's heading markup). Everything else counts.
 */
const UPSTREAM_CONSOLE = [
  /findDOMNode is deprecated/,
  /Support for defaultProps will be removed/,
  /validateDOMNesting[\s\S]*<h2> h5/, // Backstage's CatalogTableToolbar
  // rjsf logs every refused submit (Backstage's Stepper passes it no onError): the bad name
  // above is refused on purpose.
  /^Form validation failed/,
];

test('Console: no errors, key or Autocomplete warnings; no stack trace in any reply', async () => {
  const ours = consoleMessages.filter(
    m => !UPSTREAM_CONSOLE.some(pattern => pattern.test(m.text)),
  );
  const problems = ours.filter(
    m =>
      m.type === 'error' || /unique "key"|Autocomplete|unique id/.test(m.text),
  );
  assert.deepEqual(
    problems.map(m => `${m.type}: ${m.text.slice(0, 300)}`),
    [],
  );
  assert.deepEqual(
    errorReplies
      .filter(r => STACK_FRAME.test(r.body))
      .map(r => `${r.status} ${r.url}`),
    [],
    'no reply shows a stack trace',
  );
  assert.deepEqual(
    errorReplies.filter(r => r.url.includes('/user/development/guest')),
    [],
  );
});
