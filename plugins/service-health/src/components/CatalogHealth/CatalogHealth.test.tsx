import { Entity } from '@backstage/catalog-model';
import { Table } from '@backstage/core-components';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { MockEntityListContextProvider } from '@backstage/plugin-catalog-react/testUtils';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type {
  EntityStatus,
  ServiceHealthStatusApi,
} from '@fastify-backstage/plugin-service-health-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { serviceHealthStatusApiRef } from '../../api';
import { createCatalogHealthColumn } from './CatalogHealthColumn';
import {
  CatalogHealthFilter,
  CatalogHealthPicker,
} from './CatalogHealthPicker';

// The first render of the MUI table takes ~5 s on a loaded 2-core machine
// (measured 4.8 s): Jest's default 5 s timeout made it fail at random.
jest.setTimeout(30_000);

const component = (name: string, monitored = true): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    annotations: monitored
      ? { 'service-health.io/base-url': `http://localhost/${name}` }
      : {},
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
});

const since = new Date(Date.now() - 12 * 60_000).toISOString();
const statuses: Record<string, EntityStatus> = {
  'component:default/alpha': {
    entityRef: 'component:default/alpha',
    state: 'pass',
    probeStatus: 'pass',
    since,
    checkedAt: since,
    metrics: {
      from: since,
      to: since,
      requests: 1234,
      errorRate: 0.012,
      p95Ms: 87.4,
    },
  },
  'component:default/bravo': {
    entityRef: 'component:default/bravo',
    state: 'fail',
    probeStatus: 'down',
    since,
    checkedAt: since,
  },
  'component:default/charlie': {
    entityRef: 'component:default/charlie',
    state: 'warn',
    probeStatus: 'warn',
    since,
    checkedAt: since,
  },
  'component:default/delta': {
    entityRef: 'component:default/delta',
    state: 'not-started',
    probeStatus: 'down',
    since,
    sinceIsLowerBound: true,
    checkedAt: since,
  },
};

function statusApi() {
  const getStatuses = jest.fn(async (refs: string[]) => ({
    items: refs.map(r => statuses[r] ?? null),
  }));
  return {
    api: { getStatuses } as unknown as ServiceHealthStatusApi,
    getStatuses,
  };
}

describe('catalog health column', () => {
  const entities = [
    component('alpha'),
    component('bravo'),
    component('charlie'),
    component('delta'),
    component('plain', false),
  ];

  it('asks for the whole page in one request, shows chips and sorts worst first', async () => {
    const { api, getStatuses } = statusApi();
    const column = createCatalogHealthColumn<{ entity: Entity }>({ entities });
    await renderInTestApp(
      <TestApiProvider apis={[[serviceHealthStatusApiRef, api]]}>
        <Table
          title="Catalog"
          options={{ paging: false, search: false }}
          columns={[{ title: 'Name', field: 'entity.metadata.name' }, column]}
          data={entities.map(entity => ({ entity }))}
        />
      </TestApiProvider>,
    );
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(screen.getByText('Down')).toBeInTheDocument();
    expect(screen.getByText('Degraded')).toBeInTheDocument();
    expect(screen.getByText('Not started')).toBeInTheDocument();
    // one batch request with the monitored refs only
    expect(getStatuses).toHaveBeenCalledTimes(1);
    expect([...getStatuses.mock.calls[0][0]].sort()).toEqual([
      'component:default/alpha',
      'component:default/bravo',
      'component:default/charlie',
      'component:default/delta',
    ]);

    fireEvent.click(screen.getByText('Health'));
    await waitFor(() => {
      const names = screen
        .getAllByRole('row')
        .slice(1)
        .map(row => within(row).getAllByRole('cell')[0].textContent);
      expect(names).toEqual(['bravo', 'delta', 'charlie', 'alpha', 'plain']);
    });
    expect(getStatuses).toHaveBeenCalledTimes(1);
  });

  it('shows p95, error rate and since on hover', async () => {
    const { api } = statusApi();
    const column = createCatalogHealthColumn<{ entity: Entity }>({
      entities: [component('alpha')],
    });
    await renderInTestApp(
      <TestApiProvider apis={[[serviceHealthStatusApiRef, api]]}>
        <Table
          options={{ paging: false, search: false }}
          columns={[column]}
          data={[{ entity: component('alpha') }]}
        />
      </TestApiProvider>,
    );
    fireEvent.mouseOver(await screen.findByText('Healthy'));
    const details = await screen.findByTestId('health-details');
    expect(details).toHaveTextContent('Healthy since');
    expect(details).toHaveTextContent('(12 min ago)');
    expect(details).toHaveTextContent('p95 87.4 ms');
    expect(details).toHaveTextContent('errors 1.2 %');
    expect(details).toHaveTextContent('of 1,234 requests');
  });
});

describe('CatalogHealthPicker', () => {
  it('filters the catalog to the unhealthy services', async () => {
    const { api } = statusApi();
    const monitored = [
      component('alpha'),
      component('bravo'),
      component('charlie'),
      component('delta'),
    ];
    const catalogApi = {
      getEntities: jest.fn(async (_req: unknown) => ({ items: monitored })),
    };
    const updateFilters = jest.fn();
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [serviceHealthStatusApiRef, api],
          [catalogApiRef, catalogApi],
        ]}
      >
        <MockEntityListContextProvider value={{ updateFilters }}>
          <CatalogHealthPicker />
        </MockEntityListContextProvider>
      </TestApiProvider>,
    );
    await waitFor(() => expect(updateFilters).toHaveBeenCalled());
    expect(catalogApi.getEntities.mock.calls[0][0]).toMatchObject({
      filter: {
        'metadata.annotations.service-health.io/base-url': expect.anything(),
      },
    });
    fireEvent.mouseDown(screen.getByRole('button', { name: /All/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'Unhealthy' }));
    const filter = updateFilters.mock.calls.at(-1)[0]
      .health as CatalogHealthFilter;
    expect(filter).toBeInstanceOf(CatalogHealthFilter);
    expect([...filter.uids].sort()).toEqual([
      'uid-bravo',
      'uid-charlie',
      'uid-delta',
    ]);
    expect(filter.getCatalogFilters()).toEqual({
      'metadata.uid': filter.uids,
    });
    expect(filter.filterEntity(monitored[0])).toBe(false);
    expect(filter.filterEntity(monitored[1])).toBe(true);
  });

  it('computes the unhealthy set once, not per render or per mount', async () => {
    const { api, getStatuses } = statusApi();
    const catalogApi = {
      getEntities: jest.fn(async (_req: unknown) => ({
        items: [component('alpha'), component('bravo')],
      })),
    };
    const updateFilters = jest.fn();
    const picker = (
      <TestApiProvider
        apis={[
          [serviceHealthStatusApiRef, api],
          [catalogApiRef, catalogApi],
        ]}
      >
        <MockEntityListContextProvider value={{ updateFilters }}>
          <CatalogHealthPicker />
        </MockEntityListContextProvider>
      </TestApiProvider>
    );
    const first = await renderInTestApp(picker);
    await waitFor(() => expect(updateFilters).toHaveBeenCalled());
    // choices and re-renders reuse the one filter
    for (const choice of ['Unhealthy', 'All', 'Unhealthy']) {
      fireEvent.mouseDown(
        screen.getByRole('button', { name: /All|Unhealthy/ }),
      );
      fireEvent.click(await screen.findByRole('option', { name: choice }));
    }
    first.rerender(picker);
    const chosen = updateFilters.mock.calls
      .map(c => c[0].health)
      .filter(Boolean);
    expect(chosen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(chosen).size).toBe(1);
    expect([...chosen[0].uids]).toEqual(['uid-bravo']);
    // a second mount (back to the catalog page) reads nothing again
    first.unmount();
    updateFilters.mockClear();
    await renderInTestApp(picker);
    await waitFor(() => expect(updateFilters).toHaveBeenCalled());
    expect(catalogApi.getEntities).toHaveBeenCalledTimes(1);
    expect(getStatuses).toHaveBeenCalledTimes(1);
  });

  it('matches no entity when none is unhealthy', () => {
    expect(new CatalogHealthFilter([]).getCatalogFilters()).toEqual({
      'metadata.uid': ['service-health:none'],
    });
  });
});
