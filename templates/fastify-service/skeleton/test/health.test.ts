import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health is 200 health+json', async () => {
    const response = await t.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/health\+json/);
    expect(response.json()).toMatchObject({ status: 'pass', version: '0.1.0', checks: {} });
    // no RELEASE_ID set: no releaseId (the portal then tells deploys apart by version)
    expect(response.json()).not.toHaveProperty('releaseId');
  });

  it("reports RELEASE_ID as releaseId on /health and /ready, for the portal's deploy markers", async () => {
    const released = await createTestApp({ RELEASE_ID: 'sha-3f2a9c1' });
    try {
      for (const url of ['/health', '/ready']) {
        const response = await released.app.inject({ url });
        expect(response.json()).toMatchObject({ version: '0.1.0', releaseId: 'sha-3f2a9c1' });
      }
    } finally {
      await released.close();
    }
  });

  it('GET /ready checks each dependency with its status and latency', async () => {
    const response = await t.app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/health\+json/);
    const body = response.json<{ status: string; checks: Record<string, unknown[]> }>();
    expect(body.status).toBe('pass');
    // #region feature:database
    expect(body.checks['postgres:connection']).toEqual([
      expect.objectContaining({ componentType: 'datastore', status: 'pass', observedUnit: 'ms' }),
    ]);
    // #endregion feature:database
  });

  it('GET /ready is 503 fail when a dependency fails', async () => {
    t.app.health.addCheck('broken:connection', 'component', () => Promise.reject(new Error('refused')));
    const response = await t.app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'fail',
      checks: { 'broken:connection': [expect.objectContaining({ status: 'fail', output: 'refused' })] },
    });
  });

  it('GET /ready is 503 as soon as shutdown starts', async () => {
    t.app.health.shuttingDown = true;
    const response = await t.app.inject({ url: '/ready' });
    t.app.health.shuttingDown = false;
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'fail', output: 'shutting down' });
  });
});
