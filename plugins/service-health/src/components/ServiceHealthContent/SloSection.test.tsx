import { screen, within } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { OPENSLO_ANNOTATION } from '@fastify-backstage/plugin-service-health-common';
import { serviceHealthApiRef } from '../../api';
import { entity, mockApi, ok, sloHistory, slos } from '../../testing/fixtures';
import { ServiceHealthContent } from './ServiceHealthContent';
import { formatSli } from './SloSection';

const withSlos: Entity = {
  ...entity,
  metadata: {
    ...entity.metadata,
    annotations: {
      ...entity.metadata.annotations,
      [OPENSLO_ANNOTATION]: './slo.yaml',
    },
  },
};

async function renderTab(api = mockApi(), e = withSlos) {
  await renderInTestApp(
    <EntityProvider entity={e}>
      <ServiceHealthContent defaultRefreshMs={0} />
    </EntityProvider>,
    { apis: [[serviceHealthApiRef, api]] },
  );
  return api;
}

describe('SLO cards', () => {
  it('show target, current SLI, budget left, burn rates and status of each SLO', async () => {
    await renderTab();
    const availability = await screen.findByTestId('slo-orders-availability');
    expect(availability).toHaveTextContent('Within objective');
    expect(availability).toHaveTextContent(
      'Requests answered without a 5xx · objective 99.9 % over 28d · 1M requests, 400 bad',
    );
    expect(availability).toHaveTextContent('Current (28d)99.96 %');
    expect(availability).toHaveTextContent('Budget left60 %');
    const latency = screen.getByTestId('slo-orders-latency');
    expect(latency).toHaveTextContent('Fast burn · page');
    expect(latency).toHaveTextContent('Requests faster than 300 ms');
    expect(latency).toHaveTextContent('Budget left-60 %');
    expect(within(latency).getByTestId('slo-burn-rates')).toHaveTextContent(
      '5m 16×30m 15×1h 15×6h 7.0×',
    );
    // the budget over the tab's range
    expect(
      within(availability).getByTestId('slo-budget-chart'),
    ).toHaveTextContent('Budget left · last hour');
  });

  it('say why an SLO cannot be computed, and still show the others', async () => {
    const api = mockApi({
      getSlos: jest.fn(async () =>
        ok({
          ...slos,
          slos: [
            {
              ...slos.slos[1],
              status: 'error' as const,
              sli: undefined,
              errorBudgetRemaining: undefined,
              burnRates: {},
              error:
                'The latency threshold 0.3 s is not a bucket bound of http_request_duration_seconds',
            },
            slos.slos[0],
          ],
        }),
      ),
    });
    await renderTab(api);
    const latency = await screen.findByTestId('slo-orders-latency');
    expect(latency).toHaveTextContent('Cannot compute');
    expect(latency).toHaveTextContent('not a bucket bound');
    expect(screen.getByTestId('slo-orders-availability')).toHaveTextContent(
      '99.96 %',
    );
  });

  it('say "No data yet" without counts or a chart before the first closed bucket', async () => {
    const api = mockApi({
      getSlos: jest.fn(async () =>
        ok({
          ...slos,
          slos: [
            {
              ...slos.slos[0],
              status: 'no-data' as const,
              sli: undefined,
              errorBudgetRemaining: undefined,
              totalEvents: 0,
              badEvents: 0,
              burnRates: {},
            },
          ],
        }),
      ),
      getSloHistory: jest.fn(async () =>
        ok({
          ...sloHistory,
          slos: [
            {
              ...sloHistory.slos[0],
              points: sloHistory.slos[0].points.map(p => ({ t: p.t })),
            },
          ],
        }),
      ),
    });
    await renderTab(api);
    const card = await screen.findByTestId('slo-orders-availability');
    expect(card).toHaveTextContent('No data yet');
    expect(card).not.toHaveTextContent('requests');
    expect(within(card).queryByTestId('slo-budget-chart')).toBeNull();
  });

  it('are not asked for when the entity has no OpenSLO annotation', async () => {
    const api = await renderTab(mockApi(), entity);
    await screen.findByText('Metrics');
    expect(api.getSlos).not.toHaveBeenCalled();
    expect(screen.queryByText('Service level objectives')).toBeNull();
  });

  it('never round an SLI up to its objective', () => {
    expect(formatSli(0.99949)).toBe('99.94 %');
    expect(formatSli(0.9996)).toBe('99.96 %');
    expect(formatSli(1)).toBe('100.00 %');
    expect(formatSli(undefined)).toBe('–');
  });
});
