import type { CompactSample } from '../metrics/samples';
import { BUCKET_MS, bucketsFromSamples, scrapeDelta } from './buckets';

const T0 = 1_800_000_000_000 - (1_800_000_000_000 % BUCKET_MS);

/** One scrape: [status, count, cumulative buckets incl. +Inf] per series. */
function scrape(
  t: number,
  les: number[],
  series: Array<[string, number, number[]]>,
): CompactSample {
  return {
    t,
    les,
    http: series.map(([status, count, buckets]) => [
      'GET',
      '/x',
      status,
      count,
      0,
      buckets,
    ]),
  };
}

describe('SLO buckets from scrapes', () => {
  it('counts the increases per status class and latency bound', () => {
    const a = scrape(T0, [0.1, 0.3], [['200', 10, [5, 9, 10]]]);
    const b = scrape(
      T0 + 60_000,
      [0.1, 0.3],
      [
        ['200', 25, [15, 22, 25]],
        ['503', 4, [4, 4, 4]], // a series first seen counts from zero
        ['', 1, [1, 1, 1]], // no status label: not a server error
      ],
    );
    expect(scrapeDelta(a, b)).toEqual({
      total: 20,
      statuses: { '2xx': 15, '5xx': 4, other: 1 },
      le: { '0.1': 15, '0.3': 18, '+Inf': 20 },
    });
  });

  it('reads a counter that went down as a restart of the process', () => {
    const a = scrape(
      T0,
      [0.3],
      [
        ['200', 100, [90, 100]],
        ['500', 7, [7, 7]],
      ],
    );
    // after the restart: 200s counted again from zero; 500 unchanged-looking but also new
    const b = scrape(
      T0 + 60_000,
      [0.3],
      [
        ['200', 3, [2, 3]],
        ['500', 7, [7, 7]],
      ],
    );
    expect(scrapeDelta(a, b)).toEqual({
      total: 10,
      statuses: { '2xx': 3, '5xx': 7 },
      le: { '0.3': 9, '+Inf': 10 },
    });
  });

  it('reads new bucket bounds as a restart, and keeps only the bounds all scrapes of a bucket had', () => {
    const samples = [
      scrape(T0 + 10_000, [0.1, 0.3], [['200', 10, [5, 8, 10]]]),
      scrape(T0 + 70_000, [0.1, 0.3], [['200', 20, [10, 16, 20]]]),
      // redeployed with other bounds
      scrape(T0 + 130_000, [0.3, 1], [['200', 4, [3, 4, 4]]]),
    ];
    const [bucket] = bucketsFromSamples(undefined, samples, T0, T0 + BUCKET_MS);
    expect(bucket).toEqual({
      start: T0,
      total: 14,
      statuses: { '2xx': 14 },
      // 0.1 and 1 are missing from one scrape each: a partial count is never kept
      le: { '0.3': 11, '+Inf': 14 },
    });
  });

  it('puts each delta in the bucket of its later scrape and leaves empty buckets out', () => {
    const samples = [
      scrape(T0 + BUCKET_MS - 1000, [0.3], [['200', 10, [10, 10]]]),
      scrape(T0 + BUCKET_MS + 1000, [0.3], [['200', 12, [12, 12]]]),
      scrape(T0 + 2 * BUCKET_MS + 1000, [0.3], [['200', 12, [12, 12]]]),
    ];
    const previous = scrape(T0 - 1000, [0.3], [['200', 4, [4, 4]]]);
    expect(
      bucketsFromSamples(previous, samples, T0, T0 + 3 * BUCKET_MS).map(b => [
        b.start,
        b.total,
      ]),
    ).toEqual([
      [T0, 6],
      [T0 + BUCKET_MS, 2],
    ]);
  });
});
