import { Entity } from '@backstage/catalog-model';
import {
  catalogApiRef,
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type {
  EntitySloStatus,
  EntityStatus,
  ServiceHealthStatusApi,
} from '@fastify-backstage/plugin-service-health-common';
import { fireEvent, screen, within } from '@testing-library/react';
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

const slo = (
  name: string,
  state: EntitySloStatus['state'],
  errorBudgetRemaining?: number,
): EntitySloStatus => ({
  entityRef: `component:default/${name}`,
  environment: 'default',
  state,
  asOf: tenMinutesAgo,
  ...(state === 'none'
    ? { reason: 'No fastify-backstage.io/openslo annotation' }
    : {
        worst: {
          name: 'availability',
          status: state === 'breached' ? 'exhausted' : 'ok',
          target: 0.999,
          window: '28d',
          sli: 1 - (1 - (errorBudgetRemaining ?? 1)) * 0.001,
          errorBudgetRemaining,
        },
        slos: [
          {
            name: 'availability',
            status: state === 'breached' ? 'exhausted' : 'ok',
            target: 0.999,
            window: '28d',
            sli: 1 - (1 - (errorBudgetRemaining ?? 1)) * 0.001,
            errorBudgetRemaining,
          },
        ],
      }),
});

const sloStatuses: Record<string, EntitySloStatus> = {
  'component:default/orders': slo('orders', 'met', 0.8),
  'component:default/payments': slo('payments', 'met', 0.5),
  'component:default/search': slo('search', 'none'),
  'component:default/billing': slo('billing', 'breached', -0.25),
};

async function renderCard(
  entity: Entity,
  getEntities: (req: any) => Promise<{ items: Entity[] }>,
  sloAnswer?: (refs: string[]) => Promise<{ items: any[] }>,
) {
  const getStatuses = jest.fn(async (refs: string[]) => ({
    items: refs.map(r => statuses[r] ?? null),
  }));
  const getSloStatuses = jest.fn(
    sloAnswer ??
      (async (refs: string[]) => ({
        items: refs.map(r => sloStatuses[r] ?? null),
      })),
  );
  const catalogApi = { getEntities: jest.fn(getEntities) };
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [
          serviceHealthStatusApiRef,
          { getStatuses, getSloStatuses } as ServiceHealthStatusApi,
        ],
        [catalogApiRef, catalogApi],
      ]}
    >
      <EntityProvider entity={entity}>
        <HealthRollupCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  return { getStatuses, getSloStatuses, catalogApi };
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
      expect.stringMatching(/^payments.*Down since .*\(10 min ago\).*SLO met$/),
      expect.stringMatching(/^search.*Degraded since.*No SLO$/),
      expect.stringMatching(/^orders.*Healthy since.*SLO met$/),
    ]);
    expect(
      screen.getByText(
        '1 more component in this system without health monitoring',
      ),
    ).toBeInTheDocument();
  });

  it("shows each service's SLO standing, with an SLO breach first among equals and the budget on hover", async () => {
    const { getSloStatuses } = await renderCard(
      entityOf('System', 'shop'),
      async () => ({
        items: [
          entityOf('Component', 'orders'),
          entityOf('Component', 'billing'),
          entityOf('Component', 'search'),
        ],
      }),
    );
    expect(await screen.findByTestId('rollup-summary')).toHaveTextContent(
      '2 of 3 services healthy · 1 with an SLO breached',
    );
    expect(getSloStatuses).toHaveBeenCalledTimes(1);
    expect(getSloStatuses.mock.calls[0][0]).toEqual([
      'component:default/orders',
      'component:default/billing',
      'component:default/search',
    ]);
    const rows = screen.getAllByTestId('rollup-service');
    // degraded first; of the two healthy ones, the one that broke its SLO
    expect(rows.map(r => r.textContent)).toEqual([
      expect.stringMatching(/^search.*No SLO$/),
      expect.stringMatching(/^billing.*SLO breached$/),
      expect.stringMatching(/^orders.*SLO met$/),
    ]);
    const breached = within(rows[1]).getByTestId('rollup-slo');
    expect(breached).toHaveAttribute('data-slo-state', 'breached');
    expect(breached).toHaveAttribute(
      'aria-label',
      'SLO breached, budget left -25 %',
    );
    fireEvent.mouseOver(breached);
    expect(await screen.findByTestId('slo-details')).toHaveTextContent(
      'availability: 99.875 % for a target of 99.9 % over 28d, budget left -25 %',
    );
  });

  it('still rolls up the health when the SLO read fails', async () => {
    await renderCard(
      entityOf('System', 'shop'),
      async () => ({ items: [entityOf('Component', 'orders')] }),
      async () => {
        throw new Error('503 Service Unavailable');
      },
    );
    expect(await screen.findByTestId('rollup-summary')).toHaveTextContent(
      '1 of 1 service healthy',
    );
    expect(
      screen.getByText('SLO status unavailable: 503 Service Unavailable'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('rollup-service')).toHaveTextContent(
      /^orders.*Healthy since.*–$/,
    );
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
