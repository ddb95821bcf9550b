import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { AddressInfo } from 'node:net';
import catalogModuleLocalGit from '@fastify-backstage/plugin-catalog-backend-module-local-git';
import scaffolderModuleFastify from '../index';

export const TEST_USER = 'user:default/jane';

/**
 * The portal's scaffolder and catalog (with the Template kind), this package's
 * modules, and the given config: the same features packages/backend adds for
 * the template journey. Mock auth: requests carry a mock user token.
 */
export async function startPortalBackend(config: Record<string, unknown>) {
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      catalogModuleScaffolderEntityModel,
      scaffolderPlugin,
      scaffolderModuleFastify,
      catalogModuleLocalGit,
      mockServices.rootConfig.factory({
        data: {
          // What every portal has; fastify:portal:info reads them.
          app: { baseUrl: 'http://localhost:3000' },
          backend: { baseUrl: 'http://localhost:7007' },
          ...JSON.parse(JSON.stringify(config)),
        },
      }),
    ],
  });
  const { port } = backend.server.address() as AddressInfo;
  const baseUrl = `http://localhost:${port}`;
  async function api<T = any>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: mockCredentials.user.header(TEST_USER),
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }
  return { backend, baseUrl, api };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

/**
 * Starts a task of `templateRef` through the scaffolder's HTTP API and waits
 * until it is completed, failed or cancelled; returns the task and its events.
 */
export async function runTemplateTask(
  api: Awaited<ReturnType<typeof startPortalBackend>>['api'],
  templateRef: string,
  values: Record<string, unknown>,
  timeoutMs = 120_000,
): Promise<{ task: any; events: any[] }> {
  const created = await api('POST', '/api/scaffolder/v2/tasks', {
    templateRef,
    values,
  });
  if (created.status !== 201) {
    throw new Error(
      `the scaffolder refused the task (${created.status}): ${JSON.stringify(
        created.body,
      )}`,
    );
  }
  const task = await waitFor(
    `the ${templateRef} task to finish`,
    async () => {
      const res = await api(
        'GET',
        `/api/scaffolder/v2/tasks/${created.body.id}`,
      );
      return ['completed', 'failed', 'cancelled'].includes(res.body.status)
        ? res.body
        : undefined;
    },
    timeoutMs,
  );
  const events = await api(
    'GET',
    `/api/scaffolder/v2/tasks/${created.body.id}/events`,
  );
  return { task, events: events.body as any[] };
}
