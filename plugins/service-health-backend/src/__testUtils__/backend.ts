import type { BackendFeature } from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { JsonObject } from '@backstage/types';
import { serviceHealthPlugin } from '../plugin';
import { manualScheduler } from './scheduler';

/** A catalog Component in the default namespace with the given annotations. */
export function component(
  name: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: 'group:default/team-a',
    },
  };
}

/** The plugin's API path for `component:default/<path>` (path starts with the entity name). */
export function entityApi(path: string): string {
  return `/api/service-health/entities/component/default/${path}`;
}

/**
 * Starts a test backend with the service-health plugin, a mock catalog
 * holding `entities`, an in-memory SQLite database and `serviceHealth` as the
 * plugin's config.
 */
export function startServiceHealthBackend(options: {
  entities: Entity[];
  serviceHealth: JsonObject;
  /** The scheduler service; by default a {@link manualScheduler} nobody triggers. */
  scheduler?: BackendFeature;
  /** More features or service mocks (e.g. a denying permissions service). */
  features?: BackendFeature[];
  /** More `backend.database` settings (e.g. `skipMigrations`). */
  database?: JsonObject;
}): Promise<TestBackend> {
  return startTestBackend({
    features: [
      serviceHealthPlugin,
      catalogServiceMock.factory({ entities: options.entities }),
      options.scheduler ?? manualScheduler().factory,
      ...(options.features ?? []),
      mockServices.rootConfig.factory({
        data: {
          backend: {
            baseUrl: 'http://localhost:7007',
            database: {
              client: 'better-sqlite3',
              connection: ':memory:',
              ...options.database,
            },
          },
          serviceHealth: {
            ...options.serviceHealth,
            health: {
              // The manual scheduler runs the poll when a test triggers it,
              // each trigger standing for a new interval: with the real
              // default (30 s) the shard leases would hold a second trigger
              // back as "already polled this interval".
              intervalSeconds: 0.001,
              ...(options.serviceHealth.health as JsonObject | undefined),
            },
          },
        },
      }),
    ],
  });
}
