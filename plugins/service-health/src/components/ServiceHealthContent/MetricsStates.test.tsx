import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { serviceHealthApiRef } from '../../api';
import { entity, mockApi, NOW, ok, summary } from '../../testing/fixtures';
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

describe('a scrape over the sample limit', () => {
  it('says the scrape had too many series, not that the service is down', async () => {
    const api = mockApi({
      getMetricsSummary: jest.fn(async () => ({
        source: {
          source: 'direct',
          status: 'error' as const,
          reason: 'sample-limit' as const,
          message:
            'http://localhost:8080/metrics: The scrape has more than 20000 samples of the families read (serviceHealth.metrics.direct.sampleLimit); nothing of it was kept',
        },
      })),
    });
    await renderInTestApp(
      <EntityProvider entity={entity}>
        <ServiceHealthContent defaultRefreshMs={0} />
      </EntityProvider>,
      { apis: [[serviceHealthApiRef, api]] },
    );
    const notice = await screen.findByTestId('source-sample-limit');
    expect(notice).toHaveTextContent(
      'No metrics: the scrape has too many series and was not kept',
    );
    expect(notice).toHaveTextContent('more than 20000 samples');
  });
});

describe('deploy markers', () => {
  it('name each deploy in the window, not the first release the portal saw', async () => {
    const api = mockApi({
      getReleases: jest.fn(async () =>
        ok([
          {
            seenAt: new Date(NOW - 3_000_000).toISOString(),
            version: '1.0.0',
          },
          {
            seenAt: new Date(NOW - 1_200_000).toISOString(),
            version: '1.1.0',
            releaseId: 'sha-bbb',
            previous: { version: '1.0.0' },
          },
        ]),
      ),
    });
    await renderInTestApp(
      <EntityProvider entity={entity}>
        <ServiceHealthContent defaultRefreshMs={0} />
      </EntityProvider>,
      { apis: [[serviceHealthApiRef, api]] },
    );
    const caption = await screen.findByTestId('deploy-markers');
    expect(caption).toHaveTextContent(
      /Dashed lines mark deploys: 1\.1\.0 \(sha-bbb\) at .+ \(was 1\.0\.0\)\.$/,
    );
    expect(caption).not.toHaveTextContent('1.0.0 at');
    expect(api.getReleases).toHaveBeenCalledWith(
      'component:default/orders',
      expect.objectContaining({ environment: 'default' }),
    );
  });
});
