import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { serviceHealthApiRef } from '../../api';
import {
  down,
  entity,
  entityWithoutAnnotations,
  mockApi,
  ok,
} from '../../testing/fixtures';
import { ServiceHealthCard } from './ServiceHealthCard';

const mountedRoutes = { '/catalog/:namespace/:kind/:name': entityRouteRef };

describe('ServiceHealthCard', () => {
  it('shows status, p95, error rate and a link to the tab', async () => {
    renderInTestApp(
      <EntityProvider entity={entity}>
        <ServiceHealthCard />
      </EntityProvider>,
      { apis: [[serviceHealthApiRef, mockApi()]], mountedRoutes },
    );
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(await screen.findByText('87.4 ms')).toBeInTheDocument();
    expect(screen.getByTestId('stat-Error rate')).toHaveTextContent('1.2 %');
    expect(screen.getByTestId('stat-Traffic')).toHaveTextContent('42.7 req/s');
    expect(
      screen.getByRole('link', { name: /View health, metrics and traces/ }),
    ).toHaveAttribute('href', '/catalog/default/component/orders/health');
  });

  it('shows a down service', async () => {
    renderInTestApp(
      <EntityProvider entity={entity}>
        <ServiceHealthCard />
      </EntityProvider>,
      {
        apis: [
          [
            serviceHealthApiRef,
            mockApi({ getHealth: jest.fn(async () => ok(down)) }),
          ],
        ],
        mountedRoutes,
      },
    );
    expect(
      await screen.findByRole('status', { name: 'Down' }),
    ).toBeInTheDocument();
  });

  it('says when metrics are unreachable', async () => {
    const api = mockApi({
      getMetricsSummary: jest.fn(async () => ({
        source: { source: 'prometheus', status: 'unreachable' as const },
      })),
    });
    renderInTestApp(
      <EntityProvider entity={entity}>
        <ServiceHealthCard />
      </EntityProvider>,
      { apis: [[serviceHealthApiRef, api]], mountedRoutes },
    );
    expect(
      await screen.findByText(/Metrics unavailable: Prometheus is unreachable/),
    ).toBeInTheDocument();
  });

  it('asks for the annotation when missing', async () => {
    renderInTestApp(
      <EntityProvider entity={entityWithoutAnnotations}>
        <ServiceHealthCard />
      </EntityProvider>,
      { apis: [[serviceHealthApiRef, mockApi()]], mountedRoutes },
    );
    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
  });
});
