import diagnostics from 'node:diagnostics_channel';
import { SourceError } from '../errors';

/*
 * A small parser of the Prometheus text exposition format (0.0.4) for the
 * direct scrape. It reads only the families the plugin uses and skips every
 * other line after looking at its metric name, counts the series it keeps
 * against a limit (as Prometheus' `sample_limit` fails a scrape with too many
 * samples), and yields to the event loop every few thousand lines, so a
 * service exposing 100k series does not stall the backend's other requests.
 */

/** The request histogram the figures are computed from. */
export const REQUEST_HISTOGRAM = 'http_request_duration_seconds';

/** The single-value families read (process figures of prom-client's defaults). */
export const PROCESS_FAMILIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

/** Default of `serviceHealth.metrics.direct.sampleLimit`. */
export const DEFAULT_SAMPLE_LIMIT = 20_000;

/** Lines parsed between two yields to the event loop. */
const LINES_PER_SLICE = 2_000;

/**
 * Published on when a parse starts and ends (`{ phase, url, lines }`), for
 * tests and operators (`diagnostics_channel.subscribe`).
 */
export const PARSE_CHANNEL = 'service-health:metrics-parse';
const parseChannel = diagnostics.channel(PARSE_CHANNEL);

/** One series of a histogram: its labels without `le`, buckets by bound. */
export interface HistogramSeries {
  labels: Record<string, string>;
  /** [upper bound (Infinity for +Inf), cumulative count] in exposition order. */
  buckets: Array<[number, number]>;
  count?: number;
  sum?: number;
}

/** What a scrape keeps. */
export interface Exposition {
  /** Series of {@link REQUEST_HISTOGRAM} by their labels (without `le`). */
  histogram: Map<string, HistogramSeries>;
  /** Finite values of the {@link PROCESS_FAMILIES}, one per series. */
  values: Map<string, number[]>;
  /** Samples kept (counted against the limit). */
  samples: number;
  /** Sample lines seen, kept or not. */
  lines: number;
}

const KEPT_VALUES: ReadonlySet<string> = new Set(PROCESS_FAMILIES);
const HISTOGRAM_LINES: ReadonlyMap<string, 'bucket' | 'sum' | 'count'> =
  new Map([
    [`${REQUEST_HISTOGRAM}_bucket`, 'bucket'],
    [`${REQUEST_HISTOGRAM}_sum`, 'sum'],
    [`${REQUEST_HISTOGRAM}_count`, 'count'],
  ]);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function invalid(lineNo: number, why: string): SourceError {
  return new SourceError(
    `Not the Prometheus text format (line ${lineNo}): ${why}`,
    'invalid',
  );
}

/** Go's ParseFloat as Prometheus writes values: numbers, NaN, ±Inf. */
function parseValue(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === 'nan') return NaN;
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (text === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    return undefined;
  }
  return Number(text);
}

/** Labels of `{a="x",b="y"}` starting at `start` (the `{`); returns the index after `}`. */
function parseLabels(
  line: string,
  start: number,
  lineNo: number,
  into: Record<string, string>,
): number {
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return i + 1;
    const eq = line.indexOf('=', i);
    if (eq < 0) throw invalid(lineNo, 'label without a value');
    const name = line.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw invalid(lineNo, 'bad label name');
    i = eq + 1;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') throw invalid(lineNo, 'label value not quoted');
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw invalid(lineNo, 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : next;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    into[name] = value;
    i++;
  }
}

const yieldToEventLoop = () => new Promise<void>(r => setImmediate(r));

/**
 * Parses a `/metrics` body, keeping only {@link REQUEST_HISTOGRAM} and
 * {@link PROCESS_FAMILIES}. Throws a {@link SourceError}: `invalid` for a
 * body that is not the text format, `sample-limit` when more than
 * `sampleLimit` samples would be kept (nothing of that scrape is kept then,
 * as with Prometheus).
 */
export async function parseExposition(
  text: string,
  options: { sampleLimit: number; url?: string },
): Promise<Exposition> {
  const out: Exposition = {
    histogram: new Map(),
    values: new Map(),
    samples: 0,
    lines: 0,
  };
  parseChannel.publish({ phase: 'start', url: options.url });
  try {
    let lineNo = 0;
    let pos = 0;
    while (pos < text.length) {
      for (let n = 0; n < LINES_PER_SLICE && pos < text.length; n++) {
        let end = text.indexOf('\n', pos);
        if (end < 0) end = text.length;
        const line = text.slice(pos, end);
        pos = end + 1;
        lineNo++;
        parseLine(line.trim(), lineNo, out, options.sampleLimit);
      }
      if (pos < text.length) await yieldToEventLoop();
    }
    return out;
  } finally {
    parseChannel.publish({
      phase: 'end',
      url: options.url,
      lines: out.lines,
    });
  }
}

function parseLine(
  line: string,
  lineNo: number,
  out: Exposition,
  sampleLimit: number,
) {
  if (line === '' || line.startsWith('#')) return;
  out.lines++;
  let nameEnd = 0;
  while (
    nameEnd < line.length &&
    line[nameEnd] !== '{' &&
    line[nameEnd] !== ' ' &&
    line[nameEnd] !== '\t'
  ) {
    nameEnd++;
  }
  const name = line.slice(0, nameEnd);
  if (!METRIC_NAME.test(name)) throw invalid(lineNo, 'bad metric name');
  const histogramPart = HISTOGRAM_LINES.get(name);
  if (!histogramPart && !KEPT_VALUES.has(name)) return; // not read: skipped

  if (++out.samples > sampleLimit) {
    throw new SourceError(
      `The scrape has more than ${sampleLimit} samples of the families read (serviceHealth.metrics.direct.sampleLimit); nothing of it was kept`,
      'sample-limit',
    );
  }
  const labels: Record<string, string> = {};
  let i = nameEnd;
  if (line[i] === '{') i = parseLabels(line, i, lineNo, labels);
  const [valueText] = line.slice(i).trim().split(/\s+/);
  const value = parseValue(valueText ?? '');
  if (value === undefined) throw invalid(lineNo, 'bad value');

  if (!histogramPart) {
    // NaN/-Inf gauges (prom-client prints NaN before a first observation)
    // carry no figure.
    if (!Number.isFinite(value)) return;
    let list = out.values.get(name);
    if (!list) out.values.set(name, (list = []));
    list.push(value);
    return;
  }
  let le: number | undefined;
  if (histogramPart === 'bucket') {
    le = parseValue(labels.le ?? '');
    if (le === undefined || Number.isNaN(le)) {
      throw invalid(lineNo, 'bucket without a valid le');
    }
    delete labels.le;
  }
  const key = Object.keys(labels)
    .sort()
    .map(k => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  let series = out.histogram.get(key);
  if (!series) {
    series = { labels, buckets: [] };
    out.histogram.set(key, series);
  }
  if (histogramPart === 'bucket') series.buckets.push([le!, value]);
  else if (histogramPart === 'sum') series.sum = value;
  else series.count = value;
}
