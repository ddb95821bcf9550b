import { InputError } from '@backstage/errors';
import fs from 'node:fs';
import path from 'node:path';
import { parseOpenSlo } from './openslo';

const MAX = 35 * 86_400;

const AVAILABILITY = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: orders-availability
  displayName: Orders availability
spec:
  description: Requests that do not fail with a 5xx
  service: orders
  indicator:
    metadata:
      name: non-5xx
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: fastify-backstage
            spec:
              events: non-5xx
        total:
          metricSource:
            type: fastify-backstage
            spec:
              events: all
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: 99.9 % of requests succeed
      target: 0.999
`;

const REFERENCED = `
apiVersion: openslo/v1
kind: SLI
metadata:
  name: fast-requests
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: fastify-backstage
        spec:
          events: faster-than
          threshold: 300ms
    total:
      metricSource:
        type: fastify-backstage
        spec:
          events: all
---
apiVersion: openslo/v1
kind: Service
metadata:
  name: orders
spec:
  description: ignored by the plugin
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: orders-latency
spec:
  service: orders
  indicatorRef: fast-requests
  timeWindow:
    - duration: 1w
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - targetPercent: 95
`;

function fails(text: string, message: string | RegExp) {
  let error: unknown;
  try {
    parseOpenSlo(text, { maxWindowSeconds: MAX });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).toMatch(message);
}

describe('parseOpenSlo', () => {
  it('reads an availability SLO with an inline SLI', () => {
    expect(parseOpenSlo(AVAILABILITY, { maxWindowSeconds: MAX })).toEqual([
      {
        name: 'orders-availability',
        displayName: '99.9 % of requests succeed',
        description: 'Requests that do not fail with a 5xx',
        indicator: { type: 'availability' },
        target: 0.999,
        window: '28d',
        windowSeconds: 28 * 86_400,
      },
    ]);
  });

  it('reads a latency SLO referencing an SLI document, ignoring other kinds', () => {
    expect(parseOpenSlo(REFERENCED, { maxWindowSeconds: MAX })).toEqual([
      {
        name: 'orders-latency',
        displayName: undefined,
        description: undefined,
        indicator: { type: 'latency', thresholdSeconds: 0.3 },
        target: 0.95,
        window: '1w',
        windowSeconds: 7 * 86_400,
      },
    ]);
  });

  it('names each objective of an SLO with several', () => {
    const text = AVAILABILITY.replace(
      '    - displayName: 99.9 % of requests succeed\n      target: 0.999',
      '    - name: strict\n      target: 0.999\n    - target: 0.99',
    );
    expect(
      parseOpenSlo(text, { maxWindowSeconds: MAX }).map(s => [
        s.name,
        s.target,
      ]),
    ).toEqual([
      ['orders-availability/strict', 0.999],
      ['orders-availability/2', 0.99],
    ]);
  });

  it('rejects what it cannot compute, saying where', () => {
    expect.assertions(2 * 14); // two in each fails()
    fails('a: [', /document 1: invalid YAML/);
    fails('- 1', /document 1: must be a mapping/);
    fails(
      AVAILABILITY.replace('openslo/v1', 'openslo/v2alpha'),
      'document 1: apiVersion must be openslo/v1 (found "openslo/v2alpha")',
    );
    fails(
      AVAILABILITY.replace('kind: SLO', 'kind: Service'),
      'The OpenSLO file has no document of kind SLO',
    );
    fails(
      AVAILABILITY.replace('duration: 28d', 'duration: 1M'),
      /timeWindow duration "1M" must be a number and m, h, d or w/,
    );
    fails(
      AVAILABILITY.replace('duration: 28d', 'duration: 90d'),
      /timeWindow must be between 1h and 35d/,
    );
    fails(
      AVAILABILITY.replace('isRolling: true', 'isRolling: false'),
      /spec.timeWindow.0.isRolling: must be true \(calendar windows are not supported\)/,
    );
    fails(
      AVAILABILITY.replace('Occurrences', 'Timeslices'),
      /budgetingMethod: must be "Occurrences"/,
    );
    fails(
      AVAILABILITY.replace('target: 0.999', 'target: 99.9'),
      /objectives.0.target: Number must be less than 1/,
    );
    fails(
      AVAILABILITY.replace(/type: fastify-backstage/, 'type: Prometheus'),
      /good.metricSource.type: must be "fastify-backstage"/,
    );
    fails(
      AVAILABILITY.replace('events: non-5xx', 'events: faster-than'),
      /faster-than needs a threshold such as "300ms"/,
    );
    fails(
      REFERENCED.replace('indicatorRef: fast-requests', 'indicatorRef: nope'),
      'document 3 (SLO orders-latency): indicatorRef "nope" names no SLI document of this file',
    );
    fails(
      AVAILABILITY.replace('name: orders-availability', 'name: Orders!'),
      /metadata.name: must be a DNS label/,
    );
    fails('x'.repeat(300 * 1024), /larger than 256 KiB/);
  });
});

describe("the Fastify template's default OpenSLO file", () => {
  it('parses: availability 99.9 % and 95 % under 300 ms, over 28 days', () => {
    const text = fs
      .readFileSync(
        path.resolve(
          __dirname,
          '../../../../templates/fastify-service/skeleton/openslo.yaml',
        ),
        'utf8',
      )
      // what the scaffolder renders
      .replace(/\$\{\{ values\.name \}\}/g, 'orders-api');
    const slos = parseOpenSlo(text, { maxWindowSeconds: MAX });
    expect(slos).toEqual([
      expect.objectContaining({
        name: 'orders-api-availability',
        indicator: { type: 'availability' },
        target: 0.999,
        window: '28d',
        windowSeconds: 28 * 86_400,
      }),
      expect.objectContaining({
        name: 'orders-api-latency',
        indicator: { type: 'latency', thresholdSeconds: 0.3 },
        target: 0.95,
        window: '28d',
      }),
    ]);
  });
});
