import { criticalPath, flattenTrace } from './traceTree';
import { traceSpans } from '../../testing/fixtures';

describe('flattenTrace', () => {
  it('orders spans depth-first by start time, with depth and offset', () => {
    const rows = flattenTrace(traceSpans);
    expect(rows.map(r => [r.span.spanId, r.depth, r.offsetMs])).toEqual([
      ['root', 0, 0],
      ['auth', 1, 2],
      ['db', 1, 12],
      ['cache', 1, 14],
      ['charge', 1, 42],
      ['http', 2, 45],
    ]);
  });

  it('treats spans with unknown parents as roots', () => {
    const orphan = { ...traceSpans[5], spanId: 'orphan', parentSpanId: 'gone' };
    const rows = flattenTrace([...traceSpans, orphan]);
    expect(rows.find(r => r.span.spanId === 'orphan')?.depth).toBe(0);
  });
});

describe('criticalPath', () => {
  it('follows the last-finishing children back from the end', () => {
    expect([...criticalPath(traceSpans)].sort()).toEqual(
      ['auth', 'charge', 'db', 'http', 'root'].sort(),
    );
  });

  it('leaves out spans that overlap a longer sibling', () => {
    expect(criticalPath(traceSpans).has('cache')).toBe(false);
  });

  it('is empty for an empty trace and the root alone for one span', () => {
    expect(criticalPath([]).size).toBe(0);
    expect([...criticalPath([traceSpans[0]])]).toEqual(['root']);
  });
});
