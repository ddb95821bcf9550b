// The portal as a new user meets it: it starts, signs the guest in, lists the
// Fastify service template in the catalog and on the Create page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  APP_URL,
  BACKEND_URL,
  guestToken,
  launchBrowser,
  screenshot,
  startPortal,
} from './portal.mjs';
import { waitUntil } from '../scripts/example-service.mjs';

let portal;
let browser;
let page;

before(async () => {
  portal = await startPortal();
  ({ browser, page } = await launchBrowser());
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

test('the backend is ready and the catalog lists the Fastify template', async () => {
  const token = await guestToken();
  // The catalog ingests its file locations a few seconds after the backend reports ready (as a
  // person would, look again for up to two minutes before calling it missing).
  const items = await waitUntil(
    async () => {
      const res = await fetch(
        `${BACKEND_URL}/api/catalog/entities/by-query?filter=kind=template,metadata.name=fastify-service`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      assert.equal(res.status, 200);
      const found = (await res.json()).items;
      return found.length > 0 && found;
    },
    { timeoutMs: 120_000, what: 'the Fastify template in the catalog' },
  );
  assert.equal(items.length, 1);
  assert.equal(items[0].spec.type, 'service');
});

test('the catalog page shows the repository entities after guest sign-in', async () => {
  await page.goto(`${APP_URL}/catalog?filters[kind]=component`);
  await page
    .getByRole('link', { name: 'service-health' })
    .waitFor({ timeout: 60_000 });
  await screenshot(page, 'portal-catalog');
});

test('the Create page shows the Fastify service template card', async () => {
  await page.goto(`${APP_URL}/create`);
  // The card's title renders before its Choose button: the button appears only once the
  // permission check for creating tasks has answered. So wait for the button itself.
  // The Fastify service card itself: not the "Update a Fastify service" card, nor a container
  // holding both.
  const card = page
    .locator('article, [class*="MuiCard-root"]')
    .filter({ hasText: 'Fastify service' })
    .filter({ hasNotText: 'Update a Fastify service' })
    .first();
  await card
    .getByRole('button', { name: /choose/i })
    .waitFor({ state: 'visible', timeout: 60_000 });
  await screenshot(page, 'portal-create');
});
