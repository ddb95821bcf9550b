import { screen } from '@testing-library/react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  EntityServiceHealthCard,
  EntityServiceHealthContent,
  isServiceHealthAvailable,
  serviceHealthApiRef,
  serviceHealthLegacyPlugin,
} from './index';
import { Route, Routes } from 'react-router-dom';
import { entity, entityWithoutAnnotations, mockApi } from './testing/fixtures';

jest.setTimeout(30_000);

describe('legacy frontend system exports', () => {
  it('render the Health tab in a legacy test app', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[serviceHealthApiRef, mockApi()]]}>
        <EntityProvider entity={entity}>
          {/* what EntityLayout.Route path="/health" does in a legacy app */}
          <Routes>
            <Route path="/*" element={<EntityServiceHealthContent />} />
          </Routes>
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(await screen.findByText('POST /v1/orders')).toBeInTheDocument();
  });

  it('render the overview card in a legacy test app', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[serviceHealthApiRef, mockApi()]]}>
        <EntityProvider entity={entity}>
          <EntityServiceHealthCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(await screen.findByText('Service health')).toBeInTheDocument();
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
  });

  it('exports the plugin, its API factory and the entity predicate', () => {
    expect(serviceHealthLegacyPlugin.getId()).toBe('service-health');
    expect([...serviceHealthLegacyPlugin.getApis()].map(f => f.api.id)).toEqual(
      ['plugin.service-health.api'],
    );
    expect(isServiceHealthAvailable(entity)).toBe(true);
    expect(isServiceHealthAvailable(entityWithoutAnnotations)).toBe(false);
  });
});
