// The stock-portal test: our packages installed into a brand-new Backstage app by following our
// READMEs, then the whole journey through that app in headless Chromium.
//
//   npm run test:adoption      (not part of `npm test`: it takes minutes and needs the registry)
//
// 1. `npx @backstage/create-app@latest` makes a new app with its own defaults (Yarn 4, the new
//    frontend system, `app.packages: all`).
// 2. `npm pack` packs every publishable package of this repository (after building them with
//    the Backstage CLI), as `npm publish` would upload them.
// 3. The steps marked `<!-- adoption-test: ... -->` in the READMEs are applied, read from the
//    READMEs themselves (./readme-steps.mjs): the `yarn add` lines, the `backend.add(...)`
//    lines, the config, and the main README's template registration.
// 4. That portal starts (`yarn start`); in Chromium the Create page lists the template, the form
//    runs it with the local publisher, the entity is in the catalog, the task's next-steps
//    commands clone, install and run the service, and its Health tab says Healthy.
//    Screenshots: e2e/artifacts/adoption-*.png.
//
// What differs from a user's machine, and only that (each is this machine's, not our packages'):
//  - create-app needs a `yarn` on PATH: Yarn 4 from the npm registry (`@yarnpkg/cli-dist`). It
//    also runs the app's commands (YARN_IGNORE_PATH=1): the Yarn 4.13.0 release create-app puts
//    in the app crashes in every `yarn add` on this machine ("The `onCancel` handler was
//    attached after the promise settled", from its HTTP client's timeout), 4.18 does not.
//    Yarn 4.14+ runs no dependency build scripts by default (`enableScripts: false`).
//  - YARN_NPM_REGISTRY_SERVER is the registry `npm config get registry` prints (Yarn's default
//    registry host is not reachable here).
//  - a root `resolutions` entry `better-sqlite3: ^13.2.0`: create-app's better-sqlite3 12 must
//    compile, and compiled against Node 24.21 it aborts; 13 ships prebuilt binaries.
//  - root `dependenciesMeta` with `built: false`, for a Yarn that runs build scripts: for
//    better-sqlite3 (Yarn would still run node-gyp on it, which downloads Node's headers from nodejs.org: unreachable here; its
//    prebuilt binary loads without that), keytar (needs libsecret, not installed here; only the
//    CLI's `auth` commands use it) and cpu-features (an optional speed-up of ssh2).
//  - not this machine's, but create-app's: its 1.55.0 backend allows
//    `@backstage/plugin-signals-backend@^0.3`, and 0.3.21 (published after 1.55.0) calls
//    `httpRouter.addWebSocketHandler`, which the app's `@backstage/backend-defaults@^0.18` does
//    not have: the stock backend then never starts ("Plugin 'signals' startup failed"), with or
//    without our packages. A `resolutions` entry pins it to 0.3.19 (1.55.0's) for a 1.55.0 app.
//  - the registry stand-in: our packages are not published yet, so `yarn add <our package>`
//    becomes `yarn add <our package>@file:<its tarball>`, and root `resolutions` point each of our
//    packages at its tarball (for the dependencies between them).
//  - the template's location: the README registers it by its GitHub URL, which this machine
//    cannot reach; the same location as a `file` location in this checkout.
//  - ports (app-config.local.yaml, which create-app's .gitignore already lists): the portal on
//    E2E_APP_PORT / E2E_BACKEND_PORT, the new service on ADOPTION_SERVICE_PORT (default: the
//    backend port + 1).
//
// ADOPTION_DIR keeps the app there (default: a temp dir, removed afterwards unless
// ADOPTION_KEEP=1).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import YAML from 'yaml';
import {
  runSyntheticLoad,
  waitForUrl,
  waitUntil,
} from '../../scripts/example-service.mjs';
import {
  APP_URL,
  BACKEND_URL,
  ROOT,
  guestToken,
  launchBrowser,
  screenshot,
  stopProcessGroup,
  trackProcessGroup,
} from '../portal.mjs';
import {
  addToBackend,
  markedBlocks,
  mergeConfig,
  yarnCommands,
} from './readme-steps.mjs';

const exec = promisify(execFile);
const MINUTE = 60_000;

const WORK =
  process.env.ADOPTION_DIR ?? mkdtempSync(join(tmpdir(), 'adoption-'));
const APP_DIR = join(WORK, 'portal');
const TARBALLS = join(WORK, 'tarballs');
const YARN_DIR = join(WORK, 'yarn');
const YARN_VERSION = '4.18.1';
const SERVICE_PORT = Number(
  process.env.ADOPTION_SERVICE_PORT ?? Number(new URL(BACKEND_URL).port) + 1,
);
const NAME = `adopted-${Date.now().toString(36)}`;
const DESCRIPTION = 'Created in a stock Backstage portal.';
// The README registers the templates from GitHub; here, the same files in this checkout.
const TEMPLATE_URL_BASE =
  'https://github.com/fastify-backstage/fastify-backstage/blob/main/';

const timings = {};
const time = async (what, fn) => {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = Date.now() - started;
  }
};

let env; // the environment of every command run in the new app
let packages; // [{ name, dir, tarball }]
let portal; // { child, output() }
let service; // { child, url, port, output() }
let browser;
let page;
let stopLoad;
let taskId;
let nextSteps;

/** Runs a command; on failure the error carries its output. */
async function run(command, args, options = {}) {
  try {
    return await exec(command, args, {
      env,
      maxBuffer: 256 * 1024 * 1024,
      timeout: 20 * MINUTE,
      ...options,
    });
  } catch (error) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${error.code}):\n${String(
        error.stdout ?? '',
      ).slice(-4000)}\n${String(error.stderr ?? '').slice(-4000)}`,
    );
  }
}

const readJson = file => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) =>
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** The environment of a terminal a new user opens for the service (none of the runner's npm_*). */
function userEnv() {
  const out = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^npm_/i.test(key) || /^(OTEL_|PGLITE_)/.test(key)) continue;
    if (
      ['DATABASE_URL', 'REDIS_URL', 'PORT', 'NODE_ENV', 'INIT_CWD'].includes(
        key,
      )
    )
      continue;
    out[key] = value;
  }
  return out;
}

let broken;
function step(name, fn) {
  test(name, async t => {
    if (broken) {
      t.skip(`an earlier step failed: ${broken}`);
      return;
    }
    try {
      await time(name.split(':')[0], () => fn(t));
    } catch (error) {
      broken = name;
      await page
        ?.screenshot({
          path: join(ROOT, 'e2e', 'artifacts', 'adoption-failure.png'),
          fullPage: true,
        })
        .catch(() => {});
      throw error;
    }
  });
}

before(async () => {
  mkdirSync(TARBALLS, { recursive: true });
  const registry = (
    await exec('npm', ['config', 'get', 'registry'])
  ).stdout.trim();
  env = {
    ...process.env,
    PATH: `${join(YARN_DIR, 'bin')}:${process.env.PATH}`,
    YARN_NPM_REGISTRY_SERVER: registry,
    YARN_ENABLE_TELEMETRY: '0',
    YARN_IGNORE_PATH: '1',
    BROWSER: 'none',
  };
  for (const key of Object.keys(env)) {
    if (/^npm_/i.test(key)) delete env[key]; // npm run's own settings are not the app's
  }
});

after(async () => {
  stopLoad?.();
  if (service) await stopProcessGroup(service.child, 10_000);
  await browser?.close().catch(() => {});
  if (portal) await stopProcessGroup(portal.child, 10_000);
  if (!process.env.ADOPTION_DIR && process.env.ADOPTION_KEEP !== '1') {
    rmSync(WORK, { recursive: true, force: true });
  }
  const table = Object.entries(timings)
    .map(
      ([s, ms]) => `  ${s.padEnd(16)} ${(ms / 1000).toFixed(1).padStart(7)} s`,
    )
    .join('\n');
  console.log(`stock-portal test timings (${WORK}):\n${table}`);
});

step('Create app: a new Backstage app from the newest create-app', async () => {
  // A yarn on PATH for create-app's prerequisite check (the app brings its own Yarn release).
  await run('npm', [
    'install',
    '--prefix',
    YARN_DIR,
    '--no-audit',
    '--no-fund',
    `@yarnpkg/cli-dist@${YARN_VERSION}`,
  ]);
  mkdirSync(join(YARN_DIR, 'bin'), { recursive: true });
  writeFileSync(
    join(YARN_DIR, 'bin', 'yarn'),
    `#!/bin/sh\nexec node ${join(
      YARN_DIR,
      'node_modules/@yarnpkg/cli-dist/bin/yarn.js',
    )} "$@"\n`,
    { mode: 0o755 },
  );
  await new Promise((resolveRun, reject) => {
    const child = spawn(
      'npx',
      [
        '-y',
        '@backstage/create-app@latest',
        '--skip-install',
        '--path',
        APP_DIR,
      ],
      { env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.stdin.end('portal\n'); // the app's name, its one question
    child.on('exit', code =>
      code === 0
        ? resolveRun()
        : reject(
            new Error(`create-app exited ${code}:\n${output.slice(-4000)}`),
          ),
    );
  });
  const rootPackage = join(APP_DIR, 'package.json');
  const pkg = readJson(rootPackage);
  pkg.resolutions = { ...pkg.resolutions, 'better-sqlite3': '^13.2.0' };
  pkg.dependenciesMeta = {
    ...pkg.dependenciesMeta,
    'better-sqlite3': { built: false },
    keytar: { built: false },
    'cpu-features': { built: false },
  };
  writeJson(rootPackage, pkg);
  const backstage = readJson(join(APP_DIR, 'backstage.json')).version;
  if (backstage === '1.55.0') {
    pkg.resolutions['@backstage/plugin-signals-backend'] = '0.3.19';
    writeJson(rootPackage, pkg);
  }
  console.log(`# create-app made a Backstage ${backstage} app`);
});

step('Pack: npm pack of every publishable package', async () => {
  await run('npm', ['run', 'build:packages'], { cwd: ROOT });
  packages = readdirSync(join(ROOT, 'plugins'))
    .map(dir => join(ROOT, 'plugins', dir))
    .filter(dir => existsSync(join(dir, 'package.json')))
    .map(dir => ({ dir, ...readJson(join(dir, 'package.json')) }))
    .filter(p => !p.private);
  const { stdout } = await run(
    'npm',
    [
      'pack',
      '--json',
      '--pack-destination',
      TARBALLS,
      ...packages.flatMap(p => ['--workspace', p.name]),
    ],
    { cwd: ROOT },
  );
  const packed = JSON.parse(stdout);
  for (const p of packages) {
    const entry = packed.find(e => e.name === p.name);
    assert.ok(entry, `${p.name} was packed`);
    p.tarball = join(TARBALLS, entry.filename);
    const files = entry.files.map(f => f.path);
    assert.ok(files.includes('dist/index.d.ts'), `${p.name} ships its types`);
    assert.ok(
      !files.some(f => f.startsWith('src/')),
      `${p.name} ships no sources`,
    );
    // prepack turns config.d.ts into config.schema.json.
    if (p.configSchema)
      assert.ok(
        files.includes('config.schema.json'),
        `${p.name} ships its config schema`,
      );
    if (existsSync(join(p.dir, 'migrations')))
      assert.ok(
        files.some(f => f.startsWith('migrations/')),
        `${p.name} ships its migrations`,
      );
    assert.ok(files.includes('README.md'), `${p.name} ships its README`);
  }
  // The registry stand-in for the dependencies between our packages.
  const rootPackage = join(APP_DIR, 'package.json');
  const pkg = readJson(rootPackage);
  for (const p of packages) pkg.resolutions[p.name] = `file:${p.tarball}`;
  writeJson(rootPackage, pkg);
});

step('READMEs: the marked install steps, applied to the new app', async () => {
  const readmes = [
    join(ROOT, 'README.md'),
    ...packages.map(p => join(p.dir, 'README.md')),
  ];
  const blocks = readmes.filter(existsSync).flatMap(markedBlocks);
  const kinds = blocks.map(b => b.kind);
  for (const kind of [
    'install',
    'backend-add',
    'app-config',
    'register-template',
  ])
    assert.ok(kinds.includes(kind), `the READMEs have a marked ${kind} step`);
  const tarballOf = new Map(packages.map(p => [p.name, p.tarball]));

  for (const block of blocks.filter(b => b.kind === 'install')) {
    for (const args of yarnCommands(block.code)) {
      const withTarballs = args.map(arg =>
        tarballOf.has(arg) ? `${arg}@file:${tarballOf.get(arg)}` : arg,
      );
      await run('yarn', withTarballs, { cwd: APP_DIR });
    }
  }

  const backendIndex = join(APP_DIR, 'packages/backend/src/index.ts');
  let source = readFileSync(backendIndex, 'utf8');
  for (const block of blocks.filter(b => b.kind === 'backend-add'))
    source = addToBackend(source, block.code);
  writeFileSync(backendIndex, source);

  const appConfigFile = join(APP_DIR, 'app-config.yaml');
  let config = YAML.parse(readFileSync(appConfigFile, 'utf8'));
  for (const block of blocks.filter(b => b.kind === 'app-config'))
    config = mergeConfig(config, YAML.parse(block.code));
  for (const block of blocks.filter(b => b.kind === 'register-template')) {
    const registration = YAML.parse(block.code);
    for (const location of registration.catalog.locations) {
      assert.ok(location.target.startsWith(TEMPLATE_URL_BASE), location.target);
      location.type = 'file';
      location.target = resolve(
        ROOT,
        location.target.slice(TEMPLATE_URL_BASE.length),
      );
    }
    config = mergeConfig(config, registration);
  }
  writeFileSync(appConfigFile, YAML.stringify(config));

  // This machine's ports.
  writeFileSync(
    join(APP_DIR, 'app-config.local.yaml'),
    YAML.stringify({
      app: { baseUrl: APP_URL },
      backend: {
        baseUrl: BACKEND_URL,
        listen: { port: Number(new URL(BACKEND_URL).port) },
        cors: { origin: APP_URL },
      },
    }),
  );
  // The app type-checks with our packages in it, as `yarn tsc` in any portal would.
  await run('yarn', ['tsc'], { cwd: APP_DIR });
});

step('Portal: yarn start serves the new app with our plugins', async () => {
  const child = spawn('yarn', ['start'], {
    cwd: APP_DIR,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackProcessGroup(child.pid);
  let output = '';
  const keep = d => (output = (output + d).slice(-30000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  portal = { child, output: () => output };
  try {
    await waitForUrl(`${BACKEND_URL}/.backstage/health/v1/readiness`, {
      timeoutMs: 10 * MINUTE,
    });
    await waitForUrl(APP_URL, { timeoutMs: 10 * MINUTE });
  } catch (error) {
    throw new Error(`${error.message}\n--- yarn start ---\n${output}`);
  }
  ({ browser, page } = await launchBrowser());
});

async function backendGet(path) {
  const res = await fetch(`${BACKEND_URL}${path}`, {
    headers: { authorization: `Bearer ${await guestToken()}` },
  });
  assert.equal(res.status, 200, `${path} answered ${res.status}`);
  return res.json();
}

step('Create page: the registered template is offered', async () => {
  await page.goto(`${APP_URL}/create`, { timeout: 10 * MINUTE });
  // create-app's sign-in page: the guest card's Enter.
  await page
    .getByRole('button', { name: 'Enter' })
    .click({ timeout: 5 * MINUTE });
  await page
    .getByText('Fastify service', { exact: true })
    .first()
    .waitFor({ timeout: 2 * MINUTE });
  await screenshot(page, 'adoption-01-create');
});

step('Template: the form runs it with the local publisher', async () => {
  await page.goto(`${APP_URL}/create/templates/default/fastify-service`);
  await page.locator('#root_name').fill(NAME, { timeout: 2 * MINUTE });
  await page.locator('#root_description').fill(DESCRIPTION);
  const owner = page.locator('#root_owner');
  await owner.click();
  await owner.fill('guests'); // create-app's example org
  await page
    .getByRole('option', { name: 'guests', exact: true })
    .click({ timeout: MINUTE });
  await page.getByRole('button', { name: 'Next' }).click();
  await page
    .locator('#root_port')
    .fill(String(SERVICE_PORT), { timeout: MINUTE });
  await page.getByRole('button', { name: 'Next' }).click();
  await page
    .getByLabel('Local git repository (this portal)')
    .check({ timeout: MINUTE });
  await page.getByRole('button', { name: /^(Review|Next)$/ }).click();
  await page.getByRole('button', { name: 'Create' }).click({ timeout: MINUTE });
  await page.waitForURL(/\/create\/tasks\/[0-9a-f-]+/, { timeout: MINUTE });
  taskId = page.url().split('/create/tasks/')[1].split(/[?#/]/)[0];
  const status = await waitUntil(
    async () => {
      const task = await backendGet(`/api/scaffolder/v2/tasks/${taskId}`);
      return (
        ['completed', 'failed', 'cancelled'].includes(task.status) &&
        task.status
      );
    },
    {
      timeoutMs: 5 * MINUTE,
      what: `template task ${taskId}`,
      intervalMs: 2000,
    },
  );
  if (status !== 'completed') {
    const events = await backendGet(
      `/api/scaffolder/v2/tasks/${taskId}/events`,
    );
    assert.fail(
      `template task ${status}:\n${events
        .filter(e => e.type === 'log')
        .map(e => e.body.message)
        .slice(-20)
        .join('\n')}`,
    );
  }
  const commands = page
    .locator('pre, code')
    .filter({ hasText: 'git clone' })
    .first();
  await commands.waitFor({ timeout: MINUTE });
  nextSteps = (await commands.innerText())
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);
  assert.deepEqual(nextSteps.slice(1), [
    `cd ${NAME}`,
    'npm install',
    'npm run dev',
  ]);
  await screenshot(page, 'adoption-02-task');
});

step('Entity: the new service is in the catalog', async () => {
  const entity = await backendGet(
    `/api/catalog/entities/by-name/component/default/${NAME}`,
  );
  assert.equal(entity.spec.owner, 'group:default/guests');
  assert.equal(
    entity.metadata.annotations['service-health.io/base-url'],
    `http://localhost:${SERVICE_PORT}`,
  );
  await page
    .getByRole('link', { name: 'Open in catalog', exact: true })
    .click();
  await page
    .getByRole('heading', { name: NAME })
    .first()
    .waitFor({ timeout: 2 * MINUTE });
  await page.getByText(DESCRIPTION).first().waitFor({ timeout: MINUTE });
  await screenshot(page, 'adoption-03-entity');
});

step('Service: the next steps clone, install and start it', async () => {
  const work = join(WORK, 'work');
  mkdirSync(work, { recursive: true });
  let cwd = work;
  for (const line of nextSteps) {
    const [command, ...args] = line.split(/\s+/);
    if (command === 'cd') cwd = resolve(cwd, args[0]);
    else if (line === 'npm run dev') {
      let output = '';
      const child = spawn('npm', ['run', 'dev'], {
        cwd,
        env: userEnv(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      trackProcessGroup(child.pid);
      child.stdout.on('data', d => (output = (output + d).slice(-20000)));
      child.stderr.on('data', d => (output = (output + d).slice(-20000)));
      service = {
        child,
        dir: cwd,
        port: SERVICE_PORT,
        url: `http://localhost:${SERVICE_PORT}`,
        output: () => output,
      };
    } else {
      const extra =
        command === 'npm'
          ? ['--prefer-offline', '--no-audit', '--no-fund']
          : [];
      await run(command, [...args, ...extra], { cwd, env: userEnv() });
    }
  }
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
    { timeoutMs: 3 * MINUTE, what: `${service.url}/ready`, intervalMs: 500 },
  ).catch(error => {
    throw new Error(
      `${error.message}\n--- npm run dev ---\n${service.output()}`,
    );
  });
  stopLoad = await runSyntheticLoad(service, { perSecond: 1.5 });
});

step('Health tab: the portal reads the running service', async () => {
  const api = `/api/service-health/entities/component/default/${NAME}`;
  await waitUntil(
    async () => (await backendGet(`${api}/health`)).data?.status === 'pass',
    { timeoutMs: 3 * MINUTE, what: 'a passing health probe', intervalMs: 2000 },
  );
  await page.goto(`${APP_URL}/catalog/default/component/${NAME}`);
  await page
    .getByRole('link', { name: 'Health', exact: true })
    .first()
    .click({ timeout: 2 * MINUTE });
  await page.getByTestId('service-health-content').waitFor({ timeout: MINUTE });
  await page
    .getByRole('status', { name: 'Healthy' })
    .first()
    .waitFor({ timeout: MINUTE });
  await screenshot(page, 'adoption-04-health');
});
