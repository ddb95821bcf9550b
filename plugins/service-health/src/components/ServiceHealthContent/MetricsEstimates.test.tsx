import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { serviceHealthApiRef } from '../../api';
import { entity, mockApi, ok, summary } from '../../testing/fixtures';
import { ServiceHealthContent } from './ServiceHealthContent';

async function routeTableFor(countsEstimated?: boolean) {
  const api = mockApi({
    getMetricsSummary: jest.fn(async () =>
      ok({ ...summary, countsEstimated }, 'prometheus'),
    ),
  });
  await renderInTestApp(
    <EntityProvider entity={entity}>
      <ServiceHealthContent defaultRefreshMs={0} />
    </EntityProvider>,
    { apis: [[serviceHealthApiRef, api]] },
  );
  return (await screen.findByText('/v1/items/:id')).closest('table')!;
}

describe('route counts', () => {
  it('are labelled as estimates when the source extrapolates them', async () => {
    const table = await routeTableFor(true);
    expect(table).toHaveTextContent('Requests (est.)');
    expect(table).toHaveTextContent('≈ 108,360');
  });

  it('are plain counts otherwise', async () => {
    const table = await routeTableFor(undefined);
    expect(table).not.toHaveTextContent('(est.)');
    expect(table).not.toHaveTextContent('≈');
  });
});
