import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type TestApp, createTestApp } from './helpers.ts';

describe('openapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is the document the service serves (npm run openapi rewrites it)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(new URL('../openapi.json', import.meta.url), 'utf8'),
    );
    const served: unknown = (await t.app.inject({ url: '/docs/json' })).json();
    expect(committed).toEqual(served);
  });

  it('documents the problems every route can answer on a route added later, without it listing them', async () => {
    const added = await createTestApp({}, (app) => {
      app.get('/v1/added', { schema: { response: { 200: { type: 'object' } } } }, async () => ({}));
    });
    try {
      const document = (await added.app.inject({ url: '/docs/json' })).json<{
        paths: Record<string, { get: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
      }>();
      const responses = document.paths['/v1/added']?.get.responses ?? {};
      const statuses = ['400', '429', '500', '503'];
      // #region feature:auth
      statuses.push('401');
      // #endregion feature:auth
      for (const status of statuses) {
        expect(Object.keys(responses[status]?.content ?? {})).toEqual(['application/problem+json']);
      }
    } finally {
      await added.close();
    }
  });
});
