/*
 * A service's API entity whose definition is a file of its local repository
 * (`definition: { $text: ./openapi.yaml }`), in a real catalog: the package's
 * default export brings the local-git UrlReader, which the catalog's
 * placeholder processor reads the file with.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import localGit from './index';
import {
  createTestRepository,
  makeTempDir,
  waitFor,
} from './__testUtils__/repositories';

jest.setTimeout(120_000);

const OPENAPI = `openapi: 3.0.3
info:
  title: orders-api
  version: 0.1.0
paths: {}
`;

const catalogInfo = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders-api
spec:
  type: service
  owner: group:default/team-a
  lifecycle: experimental
  providesApis: [orders-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
spec:
  type: openapi
  owner: group:default/team-a
  lifecycle: experimental
  definition:
    $text: ./openapi.yaml
`;

describe('API definitions read from local repositories', () => {
  it('fills the API entity from the repository file, and refuses files outside the root', async () => {
    const root = path.join(makeTempDir('fastify-api-'), 'local-git');
    await createTestRepository(root, 'orders-api', {
      'catalog-info.yaml': catalogInfo,
      'openapi.yaml': OPENAPI,
    });
    // A catalog file may not read the host's files through a URL outside the root.
    await createTestRepository(root, 'sneaky', {
      'catalog-info.yaml': catalogInfo
        .replace(/orders-api/g, 'sneaky')
        .replace('./openapi.yaml', 'file:///etc/hostname'),
    });
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        localGit,
        mockServices.rootConfig.factory({
          data: {
            scaffolder: { fastify: { localRepositoryRoot: root } },
            catalog: { processingInterval: { seconds: 1 } },
          },
        }),
      ],
    });
    try {
      const { port } = backend.server.address() as AddressInfo;
      const get = async (ref: string) => {
        const res = await fetch(
          `http://localhost:${port}/api/catalog/entities/by-name/${ref}`,
          { headers: { authorization: mockCredentials.user.header() } },
        );
        return res.status === 200 ? res.json() : undefined;
      };
      const api = await waitFor('the API entity', () =>
        get('api/default/orders-api'),
      );
      expect(api.spec.definition).toBe(OPENAPI);
      const component = await waitFor(
        'the component with its relation',
        async () => {
          const c = await get('component/default/orders-api');
          return c?.relations?.some((r: any) => r.type === 'providesApi')
            ? c
            : undefined;
        },
      );
      expect(component.relations).toEqual(
        expect.arrayContaining([
          { type: 'providesApi', targetRef: 'api:default/orders-api' },
        ]),
      );
      // the sneaky API never gets its definition (processing fails, so it is not stored)
      await new Promise(r => setTimeout(r, 3000));
      const sneaky = await get('api/default/sneaky');
      expect(sneaky?.spec?.definition).not.toBeDefined();
    } finally {
      await backend.stop();
    }
  });
});
