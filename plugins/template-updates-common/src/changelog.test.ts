import { Entity } from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import { getScaffoldedFrom, isScaffoldedEntity } from './annotations';
import { changesBetween, parseChangelog } from './changelog';
import { driftStatus } from './versions';

const CHANGELOG = `# Changelog

Intro text.

## 1.10.0 - 2026-12-01

- Ten.

## 1.9.0 - 2026-11-30

- Nine, first line.
- Nine, second line.

## [1.2.0] (2026-01-02)
Old.

## Unreleased notes that are not a version
- ignored
`;

describe('changelog', () => {
  it('parses version sections with their dates, skipping other headings', () => {
    expect(parseChangelog(CHANGELOG)).toEqual([
      { version: '1.10.0', date: '2026-12-01', body: '- Ten.' },
      {
        version: '1.9.0',
        date: '2026-11-30',
        body: '- Nine, first line.\n- Nine, second line.',
      },
      { version: '1.2.0', date: '2026-01-02', body: 'Old.' },
    ]);
  });

  it('selects the sections after one version up to another, by semver', () => {
    const sections = parseChangelog(CHANGELOG);
    expect(
      changesBetween(sections, '1.2.0', '1.10.0').map(s => s.version),
    ).toEqual(['1.10.0', '1.9.0']);
    expect(changesBetween(sections, '1.9.0', '1.9.0')).toEqual([]);
    expect(changesBetween(sections, 'garbage', '1.10.0')).toEqual([]);
  });
});

describe('driftStatus', () => {
  it('compares as semver, not as text', () => {
    expect(driftStatus('9.0.0', '10.0.0')).toBe('behind');
    expect(driftStatus('1.0.0', '1.0.0')).toBe('current');
    expect(driftStatus('2.0.0', '1.0.0')).toBe('ahead');
    expect(driftStatus('one', '1.0.0')).toBe('unknown');
    expect(driftStatus(undefined, '1.0.0')).toBe('unknown');
  });
});

describe('annotations', () => {
  const entity = (spec: JsonObject, version?: string): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'x',
      namespace: 'shop',
      annotations: version
        ? { 'template-updates.io/template-version': version }
        : {},
    },
    spec,
  });

  it('reads spec.scaffoldedFrom as a full template ref', () => {
    expect(
      getScaffoldedFrom(entity({ scaffoldedFrom: 'fastify-service' })),
    ).toBe('template:shop/fastify-service');
    expect(
      getScaffoldedFrom(
        entity({ scaffoldedFrom: 'template:default/fastify-service' }),
      ),
    ).toBe('template:default/fastify-service');
    expect(getScaffoldedFrom(entity({ scaffoldedFrom: 42 }))).toBeUndefined();
    expect(
      isScaffoldedEntity(
        entity({ scaffoldedFrom: 'fastify-service' }, '1.0.0'),
      ),
    ).toBe(true);
    expect(isScaffoldedEntity(entity({ scaffoldedFrom: 'x' }))).toBe(false);
  });
});
