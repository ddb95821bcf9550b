import { writeFileSync, mkdtempSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { APP_URL, ROOT, launchBrowser, startPortal } from './portal.mjs';
const dir = mkdtempSync(join(tmpdir(), 'hdbg-'));
writeFileSync(join(dir, 'c.yaml'), `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-demo
  annotations:
    service-health.io/base-url: http://localhost:18793
spec: {type: service, lifecycle: experimental, owner: group:default/team-a}
`);
writeFileSync(join(dir, 'cfg.yaml'), `catalog:\n  locations:\n    - type: file\n      target: ${join(ROOT,'catalog-info.yaml')}\n    - type: file\n      target: ${join(dir,'c.yaml')}\n`);
const portal = await startPortal({ extraConfig: [relative(ROOT, join(dir, 'cfg.yaml'))] });
const { browser, page } = await launchBrowser();
page.on('console', m => { if (m.type() === 'error') console.log('CONSOLE', m.text().slice(0, 300)); });
try {
  await page.goto(`${APP_URL}/catalog/default/component/orders-demo/health`);
  await page.waitForTimeout(20000);
  await page.screenshot({ path: '/tmp/shdbg/tab.png', fullPage: true });
  console.log('URL', page.url());
  console.log((await page.locator('body').innerText()).slice(0, 1500));
} finally {
  await browser.close();
  await portal.stop();
}
