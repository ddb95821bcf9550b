import diagnostics from 'node:diagnostics_channel';
import { SourceError } from '../errors';
import { parseExposition, PARSE_CHANNEL } from './exposition';

const parse = (text: string, sampleLimit = 1000) =>
  parseExposition(text, { sampleLimit });

describe('parseExposition', () => {
  it('keeps the request histogram and process figures, skips the rest', async () => {
    const text = [
      '# HELP http_request_duration_seconds x',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.1",method="GET",route="/a \\"q\\", {x}",status_code="200"} 3',
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/a \\"q\\", {x}",status_code="200"} 4',
      'http_request_duration_seconds_sum{method="GET",route="/a \\"q\\", {x}",status_code="200"} 0.5',
      'http_request_duration_seconds_count{method="GET",route="/a \\"q\\", {x}",status_code="200"} 4',
      'process_resident_memory_bytes 1.5e+07',
      'nodejs_heap_size_used_bytes NaN',
      'unrelated_series{id="1"} 7 1700000000000',
      'unrelated_series{id="2"} this is never parsed',
      '',
    ].join('\r\n');
    const out = await parse(text);
    expect(out.samples).toBe(6);
    expect(out.lines).toBe(8);
    expect([...out.histogram.values()]).toEqual([
      {
        labels: { method: 'GET', route: '/a "q", {x}', status_code: '200' },
        buckets: [
          [0.1, 3],
          [Infinity, 4],
        ],
        sum: 0.5,
        count: 4,
      },
    ]);
    expect(out.values.get('process_resident_memory_bytes')).toEqual([1.5e7]);
    // NaN carries no figure
    expect(out.values.get('nodejs_heap_size_used_bytes')).toBeUndefined();
  });

  it.each([
    ['an HTML page', '<!doctype html>\n<html><body>hi</body></html>'],
    ['JSON', '{"status":"pass"}'],
    ['a kept line with a bad value', 'process_resident_memory_bytes abc'],
    [
      'an unterminated label',
      'http_request_duration_seconds_count{route="/a} 1',
    ],
  ])('rejects %s as invalid', async (_, text) => {
    const error = await parse(text).catch(e => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.reason).toBe('invalid');
  });

  it('fails the scrape above the sample limit, counting kept samples only', async () => {
    const kept = Array.from(
      { length: 11 },
      (_, i) => `http_request_duration_seconds_count{route="/r${i}"} 1`,
    );
    const skipped = Array.from({ length: 100 }, (_, i) => `other{i="${i}"} 1`);
    const ok = await parse([...skipped, ...kept.slice(0, 10)].join('\n'), 10);
    expect(ok.samples).toBe(10);
    const error = await parse([...skipped, ...kept].join('\n'), 10).catch(
      e => e,
    );
    expect(error.reason).toBe('sample-limit');
    expect(error.message).toMatch(/more than 10 samples/);
  });

  it('yields to the event loop while parsing a large body', async () => {
    const lines = Array.from(
      { length: 20_000 },
      (_, i) => `http_request_duration_seconds_count{route="/r${i}"} ${i}`,
    );
    const events: string[] = [];
    const onParse = (m: unknown) => events.push((m as { phase: string }).phase);
    diagnostics.subscribe(PARSE_CHANNEL, onParse);
    try {
      const parsing = parse(lines.join('\n'), 100_000).then(() =>
        events.push('parsed'),
      );
      // Queued after the parse began: runs only if the parse gives way.
      setImmediate(() => events.push('other work'));
      await parsing;
    } finally {
      diagnostics.unsubscribe(PARSE_CHANNEL, onParse);
    }
    expect(events).toEqual(['start', 'other work', 'end', 'parsed']);
  });
});
