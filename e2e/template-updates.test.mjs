// Template updates in the browser, against the real portal: a service made from an older
// version of the Fastify template (a fixture copy at 0.9.0, registered beside the real template
// and recording the real one as its origin) shows the drift card on its entity page (made from
// 0.9.0, template now at the current version, the changelog in between); the catalog's
// "Template version" filter lists it as behind; the card's Update button opens the "Update a
// Fastify service" template with the service filled in; the task merges and links to the update
// branch's diff page. Screenshots in e2e/artifacts/template-updates-*.png.
//
//   node --test e2e/template-updates.test.mjs        (part of `npm run test:e2e`)
//
// Its own file (not a step of journey.test.mjs) because it needs a service made from another
// template version, not the journey's, and no npm install: the whole file takes about a portal
// start plus a minute.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { runTemplate, waitUntil } from '../scripts/example-service.mjs';
import {
  APP_URL,
  BACKEND_URL,
  guestToken,
  launchBrowser,
  ROOT,
  screenshot,
  startPortal,
} from './portal.mjs';

const exec = promisify(execFile);
const NAME = `drift-${Date.now().toString(36)}`;
const temp = mkdtempSync(join(tmpdir(), 'template-updates-e2e-'));
const repositoryRoot = join(temp, 'repositories');
const fixtureDir = join(temp, 'fastify-service-0.9');
const CURRENT = /backstage\.io\/template-version: (\S+)/.exec(
  readFileSync(join(ROOT, 'templates/fastify-service/template.yaml'), 'utf8'),
)[1];

// The app's dev bundle is large; on a busy machine its first load takes a while.
const NAVIGATION = { timeout: 180_000, waitUntil: 'domcontentloaded' };

let portal;
let browser;
let page;
let broken;

/** A test that is skipped once an earlier one failed, and screenshots the page when it fails. */
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
          path: join(ROOT, 'e2e/artifacts/template-updates-failure.png'),
          fullPage: true,
        })
        .catch(() => {});
      throw error;
    }
  });
}

/**
 * The fixture: the Fastify template as it was at 0.9.0. The same steps, recording the real
 * template as the origin; its skeleton lacks a README paragraph 1.0.0 has and has a file 1.0.0
 * dropped.
 */
function writeOlderTemplate() {
  cpSync(join(ROOT, 'templates/fastify-service'), fixtureDir, {
    recursive: true,
    filter: src => !/\/(node_modules|dist|coverage|\.pglite)(\/|$)/.test(src),
  });
  const file = join(fixtureDir, 'template.yaml');
  let yaml = readFileSync(file, 'utf8');
  const replace = (from, to) => {
    assert.ok(yaml.includes(from), `fixture: ${from}`);
    yaml = yaml.replace(from, to);
  };
  replace('name: fastify-service\n', 'name: fastify-service-0-9\n');
  replace('title: Fastify service\n', 'title: Fastify service 0.9 (fixture)\n');
  replace(
    `backstage.io/template-version: ${CURRENT}`,
    'backstage.io/template-version: 0.9.0',
  );
  replace(
    '      action: fastify:template:info\n',
    '      action: fastify:template:info\n      input:\n        templateRef: template:default/fastify-service\n',
  );
  writeFileSync(file, yaml);
  const readme = join(fixtureDir, 'skeleton/README.md');
  const text = readFileSync(readme, 'utf8');
  const paragraph = /\n## Run it\n/;
  assert.match(text, paragraph);
  writeFileSync(readme, text.replace(paragraph, '\n## Running it\n'));
  writeFileSync(
    join(fixtureDir, 'skeleton/docs/legacy.md'),
    '# Legacy notes\n\nDropped in 1.0.0.\n',
  );
}

before(async () => {
  writeOlderTemplate();
  const configFile = join(temp, 'app-config.template-updates.yaml');
  writeFileSync(
    configFile,
    `# A fresh local repository root per run, and the fixture template beside the real ones.
scaffolder:
  fastify:
    localRepositoryRoot: ${JSON.stringify(repositoryRoot)}
catalog:
  locations:
    - type: file
      target: ${JSON.stringify(join(ROOT, 'catalog-info.yaml'))}
    - type: file
      target: ${JSON.stringify(join(fixtureDir, 'template.yaml'))}
`,
  );
  portal = await startPortal({ extraConfig: [configFile] });
  ({ browser, page } = await launchBrowser());
});

after(async () => {
  await browser?.close().catch(() => {});
  await portal?.stop();
  rmSync(temp, { recursive: true, force: true });
});

step('a service is made from the 0.9.0 fixture of the template', async () => {
  const token = await guestToken();
  await waitUntil(
    async () => {
      const res = await fetch(
        `${BACKEND_URL}/api/catalog/entities/by-query?filter=kind=template`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const names = (await res.json()).items.map(t => t.metadata.name);
      return [
        'fastify-service',
        'fastify-service-0-9',
        'fastify-service-update',
      ].every(n => names.includes(n));
    },
    { timeoutMs: 120_000, what: 'the three templates in the catalog' },
  );
  await runTemplate({
    backendUrl: BACKEND_URL,
    token,
    templateRef: 'template:default/fastify-service-0-9',
    values: {
      name: NAME,
      description: 'Made from the 0.9.0 fixture of the Fastify template.',
      owner: 'group:default/team-a',
      lifecycle: 'experimental',
      database: 'postgres',
      events: 'none',
      auth: 'jwt',
      port: 8095,
      publishTarget: 'local',
    },
  });
  const gitdir = join(repositoryRoot, `${NAME}.git`);
  const { stdout } = await exec(
    'git',
    ['show', 'main:.backstage/template.json'],
    {
      cwd: gitdir,
    },
  );
  const record = JSON.parse(stdout);
  assert.equal(record.templateRef, 'template:default/fastify-service');
  assert.equal(record.version, '0.9.0');
});

step(
  'the entity page shows the drift card: made from 0.9.0, the template now, the changelog',
  async () => {
    await page.goto(`${APP_URL}/catalog/default/component/${NAME}`, NAVIGATION);
    const card = page
      .locator('article, .MuiCard-root')
      .filter({ hasText: 'Made from Fastify service' })
      .first();
    await card.waitFor({ timeout: 120_000 });
    const text = await card.innerText();
    assert.match(text, /Made from Fastify service\s+0\.9\.0/);
    assert.match(
      text,
      new RegExp(`Template now\\s+${CURRENT.replace(/\./g, '\\.')}`),
    );
    assert.match(text, /version(s)? behind/);
    assert.match(text, new RegExp(`What changed since 0\\.9\\.0`));
    assert.match(text, new RegExp(CURRENT.replace(/\./g, '\\.')));
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'template-updates-01-drift-card');
    await card.screenshot({
      path: join(
        ROOT,
        'e2e/artifacts/template-updates-01b-drift-card-close-up.png',
      ),
    });
  },
);

step(
  "the catalog's Template version filter lists the service as behind",
  async () => {
    // Every owner's components (the guest is in team-a, so "Owned" would be the default).
    await page.goto(
      `${APP_URL}/catalog?filters%5Bkind%5D=component&filters%5Buser%5D=all`,
      NAVIGATION,
    );
    await page
      .getByRole('link', { name: NAME })
      .first()
      .waitFor({ timeout: 60_000 });
    const picker = page.getByText('Template version', { exact: true }).first();
    await picker.waitFor({ timeout: 30_000 });
    // The select of this filter (the catalog has other "All" selects: Health, Kind...): the
    // innermost box holding the label.
    await page
      .locator('.MuiBox-root')
      .filter({ has: picker })
      .last()
      .getByRole('button')
      .first()
      .click();
    await page.getByRole('option', { name: 'Behind their template' }).click();
    await page
      .getByRole('link', { name: NAME })
      .first()
      .waitFor({ timeout: 30_000 });
    // A backend filter: the count and the rows are the behind services only (here: this one).
    await page.getByText('All components (1)').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('table tbody tr').count(), 1);
    await screenshot(page, 'template-updates-02-catalog-filter');
  },
);

step(
  'Update starts the update template for the service and lands on the update branch',
  async () => {
    await page.goto(`${APP_URL}/catalog/default/component/${NAME}`, NAVIGATION);
    const update = page.getByRole('button', { name: `Update to ${CURRENT}` });
    await update.waitFor({ timeout: 60_000 });
    await update.click();
    await page.waitForURL(
      /\/create\/templates\/default\/fastify-service-update/,
      {
        timeout: 60_000,
      },
    );
    await page
      .getByText('Update a Fastify service')
      .first()
      .waitFor({ timeout: 60_000 });
    // The service is filled in from the card.
    await waitUntil(
      async () =>
        (
          await page
            .locator('#root_entity')
            .inputValue()
            .catch(() => '')
        ).includes(NAME),
      { timeoutMs: 30_000, what: 'the service in the form' },
    );
    await screenshot(page, 'template-updates-03-update-form');
    await page.getByRole('button', { name: /^(Review|Next)$/ }).click();
    await page
      .getByRole('button', { name: 'Create' })
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/create\/tasks\/[0-9a-f-]+/, { timeout: 60_000 });
    const link = page.getByRole('link', { name: 'Update branch (diff)' });
    await link.waitFor({ timeout: 180_000 });
    const result = await page.locator('body').innerText();
    assert.match(
      result,
      new RegExp(`Clean\\.\\s+0\\.9\\.0 → ${CURRENT.replace(/\./g, '\\.')}`),
    );
    await screenshot(page, 'template-updates-04-task-done');

    await link.click();
    await page.waitForURL(/\/template-updates\/local-compare\?/, {
      timeout: 60_000,
    });
    await page.getByText(`${NAME}: main ← template-update-${CURRENT}`).waitFor({
      timeout: 60_000,
    });
    await page
      .getByText('.backstage/template.json')
      .first()
      .waitFor({ timeout: 30_000 });
    const diff = await page.locator('body').innerText();
    for (const expected of [
      'README.md',
      'docs/legacy.md',
      'catalog-info.yaml',
      'no conflicts',
    ]) {
      assert.ok(diff.includes(expected), `the diff page shows ${expected}`);
    }
    assert.ok(diff.includes('+## Run it'), 'the README change is in the diff');
    await screenshot(page, 'template-updates-05-update-diff');

    // The repository: main untouched, the update branch there.
    const gitdir = join(repositoryRoot, `${NAME}.git`);
    const { stdout } = await exec('git', ['branch', '--list'], { cwd: gitdir });
    assert.match(
      stdout,
      new RegExp(`template-update-${CURRENT.replace(/\./g, '\\.')}`),
    );
  },
);
