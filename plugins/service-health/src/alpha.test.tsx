import { act, screen } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import serviceHealthPlugin, {
  serviceHealthEntityCard,
  serviceHealthEntityContent,
} from './alpha';
import { serviceHealthApiRef } from './api';
import { entity, entityWithoutAnnotations, mockApi } from './testing/fixtures';

jest.setTimeout(30_000);

describe('new frontend system plugin', () => {
  it('is a frontend plugin with the API, the tab and the card', () => {
    expect(serviceHealthPlugin.id).toBe('service-health');
    expect(serviceHealthPlugin.$$type).toBe('@backstage/FrontendPlugin');
  });

  it('renders the Health tab on an entity with the annotations', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity }),
        serviceHealthEntityContent,
      ],
      apis: [[serviceHealthApiRef, mockApi()]],
    });
    expect(await screen.findByText('Healthy')).toBeInTheDocument();
    expect(await screen.findByText('Dependency checks')).toBeInTheDocument();
  });

  it('renders the overview card', async () => {
    renderTestApp({
      extensions: [createTestEntityPage({ entity }), serviceHealthEntityCard],
      apis: [[serviceHealthApiRef, mockApi()]],
    });
    expect(await screen.findByText('Service health')).toBeInTheDocument();
  });

  it('leaves entities without the annotations alone', async () => {
    const api = mockApi();
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: entityWithoutAnnotations }),
        serviceHealthEntityCard,
      ],
      apis: [[serviceHealthApiRef, api]],
    });
    // Give the page time to render whatever it would (inside act: it lazy-loads its parts).
    await act(() => new Promise(r => setTimeout(r, 200)));
    expect(screen.queryByText('Service health')).not.toBeInTheDocument();
    expect(api.getHealth).not.toHaveBeenCalled();
  });
});
