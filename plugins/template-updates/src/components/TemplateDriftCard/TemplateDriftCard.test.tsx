import { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { TemplateDrift } from '@fastify-backstage/plugin-template-updates-common';
import { screen } from '@testing-library/react';
import { TemplateUpdatesApi, templateUpdatesApiRef } from '../../api';
import { classifyByDrift, TemplateDriftFilter } from '../TemplateDriftPicker';
import { TemplateDriftCard } from './TemplateDriftCard';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders',
    namespace: 'default',
    annotations: { 'template-updates.io/template-version': '1.0.0' },
  },
  spec: { scaffoldedFrom: 'template:default/fastify-service' },
};

const behind: TemplateDrift = {
  entityRef: 'component:default/orders',
  templateRef: 'template:default/fastify-service',
  templateTitle: 'Fastify service',
  madeFrom: '1.0.0',
  current: '1.2.0',
  status: 'behind',
  changes: [
    { version: '1.2.0', date: '2026-11-30', body: '- Adds **npm run check**.' },
    { version: '1.1.0', body: '- Moves the token script.' },
  ],
  updateTemplateRef: 'template:default/fastify-service-update',
};

async function renderCard(drift: TemplateDrift | Error) {
  const api: TemplateUpdatesApi = {
    getDrift: async () => {
      if (drift instanceof Error) throw drift;
      return drift;
    },
    compareLocalBranches: async () => {
      throw new Error('not used');
    },
  };
  await renderInTestApp(
    <TestApiProvider apis={[[templateUpdatesApiRef, api]]}>
      <EntityProvider entity={entity}>
        <TemplateDriftCard />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('TemplateDriftCard', () => {
  it('shows the versions, the changelog in between and the Update action', async () => {
    await renderCard(behind);
    expect(await screen.findByText('2 versions behind')).toBeInTheDocument();
    expect(screen.getByText('Made from Fastify service')).toBeInTheDocument();
    expect(screen.getByText('1.0.0')).toBeInTheDocument();
    expect(screen.getByText('npm run check')).toBeInTheDocument();
    expect(screen.getByText('Moves the token script.')).toBeInTheDocument();
    // LinkButton: an anchor with the button role
    const update = screen.getByRole('button', { name: 'Update to 1.2.0' });
    expect(update.getAttribute('href')).toBe(
      `/create/templates/default/fastify-service-update?formData=${encodeURIComponent(
        '{"entity":"component:default/orders"}',
      )}`,
    );
  });

  it('says up to date without an Update action', async () => {
    await renderCard({
      ...behind,
      current: '1.0.0',
      status: 'current',
      changes: [],
    });
    expect(await screen.findByText('Up to date')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Update to/ })).toBeNull();
  });

  it('shows a backend error', async () => {
    await renderCard(new Error('template-updates is down'));
    expect(
      (await screen.findAllByText(/template-updates is down/)).length,
    ).toBeGreaterThan(0);
  });
});

describe('classifyByDrift and TemplateDriftFilter', () => {
  const versions = new Map([['template:default/fastify-service', '1.10.0']]);
  const made = (
    uid: string,
    version?: string,
    scaffoldedFrom?: string,
  ): Entity => ({
    ...entity,
    metadata: {
      ...entity.metadata,
      uid,
      annotations: version
        ? { 'template-updates.io/template-version': version }
        : {},
    },
    spec: scaffoldedFrom ? { scaffoldedFrom } : {},
  });

  it('sorts entities by how they stand against their template (semver, not text)', () => {
    const byDrift = classifyByDrift(
      [
        made('old', '1.9.0', 'fastify-service'),
        made('now', '1.10.0', 'template:default/fastify-service'),
        made('gone', '1.0.0', 'template:default/gone'),
        made('plain'),
      ],
      versions,
    );
    expect(byDrift).toEqual({
      behind: ['old'],
      current: ['now'],
      ahead: [],
      unknown: ['gone'],
    });
  });

  it('filters in the catalog backend by uid, and matches nothing when nothing is behind', () => {
    const filter = new TemplateDriftFilter('behind', ['old']);
    expect(filter.getCatalogFilters()).toEqual({ 'metadata.uid': ['old'] });
    expect(filter.filterEntity(made('old'))).toBe(true);
    expect(filter.filterEntity(made('now'))).toBe(false);
    expect(filter.toQueryValue()).toBe('behind');
    expect(new TemplateDriftFilter('behind', []).getCatalogFilters()).toEqual({
      'metadata.uid': ['template-updates:none'],
    });
  });
});
