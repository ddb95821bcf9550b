import { Entity } from '@backstage/catalog-model';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type {
  EntityStatus,
  ServiceHealthStatusApi,
} from '@fastify-backstage/plugin-service-health-common';
import { screen } from '@testing-library/react';
import { serviceHealthStatusApiRef } from '../../api';
import { HealthRollupCard } from './HealthRollupCard';

const entityOf = (kind: string, name: string, monitored = true): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: {
    name,
    namespace: 'default',
    annotations: monitored
      ? { 'service-health.io/base-url': `http://localhost/${name}` }
      : {},
  },
});

const tenMinutesAgo = new Date(Date.now() - 10 * 60_000).toISOString();
const status = (
  name: string,
  state: EntityStatus['state'],
  probeStatus?: EntityStatus['probeStatus'],
): EntityStatus => ({
  entityRef: `component:default/${name}`,
  state,
  probeStatus,
  since: tenMinutesAgo,
  checkedAt: tenMinutesAgo,
});

const statuses: Record<string, EntityStatus> = {
  'component:default/orders': status('orders', 'pass', 'pass'),
  'component:default/payments': status('payments', 'fail', 'down'),
  'component:default/search': status('search', 'warn', 'warn'),
  'component:default/billing': status('billing', 'pass', 'pass'),
};

async function renderCard(
  entity: Entity,
  getEntities: (req: any) => Promise<{ items: Entity[] }>,
) {
  const getStatuses = jest.fn(async (refs: string[]) => ({
    items: refs.map(r => statuses[r] ?? null),
  }));
  const catalogApi = { getEntities: jest.fn(getEntities) };
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [serviceHealthStatusApiRef, { getStatuses } as ServiceHealthStatusApi],
        [catalogApiRef, catalogApi],
      ]}
    >
      <EntityProvider entity={entity}>
        <HealthRollupCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  return { getStatuses, catalogApi };
}

describe('HealthRollupCard', () => {
  it("rolls up a system's services, worst first, with since when", async () => {
    const { getStatuses, catalogApi } = await renderCard(
      entityOf('System', 'shop'),
      async () => ({
        items: [
          entityOf('Component', 'orders'),
          entityOf('Component', 'payments'),
          entityOf('Component', 'search'),
          entityOf('Component', 'docs', false),
        ],
      }),
    );
    expect(await screen.findByTestId('rollup-summary')).toHaveTextContent(
      '1 of 3 services healthy',
    );
    expect(catalogApi.getEntities.mock.calls[0][0].filter).toEqual({
      kind: 'component',
      'relations.partOf': 'system:default/shop',
    });
    expect(getStatuses).toHaveBeenCalledTimes(1);
    const rows = screen.getAllByTestId('rollup-service');
    expect(rows.map(r => r.textContent)).toEqual([
      expect.stringMatching(/^payments.*Down since .*\(10 min ago\)/),
      expect.stringMatching(/^search.*Degraded since/),
      expect.stringMatching(/^orders.*Healthy since/),
    ]);
    expect(
      screen.getByText(
        '1 more component in this system without health monitoring',
      ),
    ).toBeInTheDocument();
  });

  it("covers a domain's systems' components", async () => {
    const { catalogApi } = await renderCard(
      entityOf('Domain', 'commerce'),
      async req =>
        req.filter.kind === 'system'
          ? { items: [entityOf('System', 'shop'), entityOf('System', 'pay')] }
          : { items: [entityOf('Component', 'billing')] },
    );
    expect(await screen.findByTestId('rollup-summary')).toHaveTextContent(
      '1 of 1 service healthy',
    );
    expect(catalogApi.getEntities.mock.calls[0][0].filter).toEqual({
      kind: 'system',
      'relations.partOf': 'domain:default/commerce',
    });
    expect(catalogApi.getEntities.mock.calls[1][0].filter).toEqual({
      kind: 'component',
      'relations.partOf': ['system:default/shop', 'system:default/pay'],
    });
  });

  it("covers a group's components and says when none is monitored", async () => {
    const { catalogApi, getStatuses } = await renderCard(
      entityOf('Group', 'team-a'),
      async () => ({ items: [entityOf('Component', 'docs', false)] }),
    );
    expect(
      await screen.findByText('No monitored services'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/owned by this group .*\(1 component without one\)/),
    ).toBeInTheDocument();
    expect(catalogApi.getEntities.mock.calls[0][0].filter).toEqual({
      kind: 'component',
      'relations.ownedBy': 'group:default/team-a',
    });
    expect(getStatuses).not.toHaveBeenCalled();
  });
});
