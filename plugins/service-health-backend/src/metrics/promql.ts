/**
 * Prometheus label matchers from catalog annotations, parsed with a strict
 * grammar and re-serialised, and the allow-listed PromQL templates that use
 * them. No text from an annotation reaches a query except as a parsed,
 * re-escaped label value.
 */

/** @public */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_MATCHERS = 10;
const MAX_VALUE = 256;

/**
 * Parses `job="orders", env=~"prod|staging"` (optionally in braces).
 * Throws an Error explaining what is wrong.
 *
 * @public
 */
export function parseLabelMatchers(text: string): LabelMatcher[] {
  if (text.length > 1024) throw new Error('Selector is too long');
  let s = text.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const matchers: LabelMatcher[] = [];
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  ws();
  while (i < s.length) {
    const nameStart = i;
    while (i < s.length && /[a-zA-Z0-9_]/.test(s[i])) i++;
    const name = s.slice(nameStart, i);
    if (!LABEL_NAME.test(name)) {
      throw new Error(`Expected a label name at position ${nameStart}`);
    }
    if (name.startsWith('__')) {
      throw new Error(`Reserved label "${name}" is not allowed`);
    }
    ws();
    let op: LabelMatcher['op'];
    if (s.startsWith('=~', i)) op = '=~';
    else if (s.startsWith('!~', i)) op = '!~';
    else if (s.startsWith('!=', i)) op = '!=';
    else if (s[i] === '=') op = '=';
    else throw new Error(`Expected =, !=, =~ or !~ after "${name}"`);
    i += op.length;
    ws();
    if (s[i] !== '"')
      throw new Error(`Expected a double-quoted value for "${name}"`);
    i++;
    let value = '';
    for (;;) {
      if (i >= s.length) throw new Error(`Unterminated value for "${name}"`);
      const ch = s[i];
      if (ch === '"') {
        i++;
        break;
      }
      if (ch === '\n' || ch === '\r')
        throw new Error('Line breaks are not allowed');
      if (ch === '\\') {
        const next = s[i + 1];
        if (next === '\\' || next === '"') value += next;
        else if (next === 'n') value += '\n';
        else throw new Error(`Unsupported escape \\${next ?? ''}`);
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    if (value.length > MAX_VALUE)
      throw new Error(`Value of "${name}" is too long`);
    if (op === '=~' || op === '!~') {
      try {
        // RE2 and JS differ, but a pattern JS rejects is rejected either way.
        // eslint-disable-next-line no-new
        new RegExp(value);
      } catch {
        throw new Error(`Invalid regular expression for "${name}"`);
      }
    }
    matchers.push({ name, op, value });
    if (matchers.length > MAX_MATCHERS) throw new Error('Too many matchers');
    ws();
    if (i < s.length) {
      if (s[i] !== ',') throw new Error(`Expected "," at position ${i}`);
      i++;
      ws();
    }
  }
  if (matchers.length === 0) throw new Error('Selector has no matchers');
  return matchers;
}

function escapeValue(v: string) {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Re-serialises parsed matchers (never the original text). @public */
export function formatLabelMatchers(matchers: LabelMatcher[]): string {
  return matchers
    .map(m => {
      if (!LABEL_NAME.test(m.name)) throw new Error('Invalid label name');
      return `${m.name}${m.op}"${escapeValue(m.value)}"`;
    })
    .join(',');
}

/** A matcher on the service name for the configured default selector template. */
export function defaultMatchers(template: string, serviceName: string) {
  // The template comes from config; the service name is substituted as a value
  // only after parsing, so a name cannot add matchers.
  const parsed = parseLabelMatchers(
    template.replace(/\{\{\s*name\s*\}\}/g, '__NAME__'),
  );
  return parsed.map(m => ({
    ...m,
    value: m.value.replace(/__NAME__/g, serviceName),
  }));
}

const QUANTILES = { p50: 0.5, p95: 0.95, p99: 0.99 } as const;
/** @public */
export type QuantileName = keyof typeof QUANTILES;

function sel(matchers: LabelMatcher[], extra?: string) {
  const parts = [formatLabelMatchers(matchers)];
  if (extra) parts.push(extra);
  return `{${parts.filter(Boolean).join(',')}}`;
}

function range(seconds: number) {
  const s = Math.max(1, Math.round(seconds));
  return `${s}s`;
}

/**
 * The allow-listed PromQL templates, named after the skeleton's metrics.
 *
 * @public
 */
export const promqlTemplates = {
  requestsByRoute: (m: LabelMatcher[], w: number) =>
    `sum by (method, route) (increase(http_request_duration_seconds_count${sel(
      m,
    )}[${range(w)}]))`,
  errorsByRoute: (m: LabelMatcher[], w: number) =>
    `sum by (method, route) (increase(http_request_duration_seconds_count${sel(
      m,
      'status_code=~"5.."',
    )}[${range(w)}]))`,
  quantileByRoute: (q: QuantileName, m: LabelMatcher[], w: number) =>
    `histogram_quantile(${
      QUANTILES[q]
    }, sum by (le, method, route) (rate(http_request_duration_seconds_bucket${sel(
      m,
    )}[${range(w)}])))`,
  quantile: (q: QuantileName, m: LabelMatcher[], w: number) =>
    `histogram_quantile(${
      QUANTILES[q]
    }, sum by (le) (rate(http_request_duration_seconds_bucket${sel(m)}[${range(
      w,
    )}])))`,
  requestRate: (m: LabelMatcher[], w: number) =>
    `sum(rate(http_request_duration_seconds_count${sel(m)}[${range(w)}]))`,
  errorRatio: (m: LabelMatcher[], w: number) =>
    `sum(rate(http_request_duration_seconds_count${sel(
      m,
      'status_code=~"5.."',
    )}[${range(w)}])) / sum(rate(http_request_duration_seconds_count${sel(
      m,
    )}[${range(w)}]))`,
  cpu: (m: LabelMatcher[], w: number) =>
    `sum(rate(process_cpu_seconds_total${sel(m)}[${range(w)}]))`,
  residentMemory: (m: LabelMatcher[]) =>
    `sum(process_resident_memory_bytes${sel(m)})`,
  heapUsed: (m: LabelMatcher[]) => `sum(nodejs_heap_size_used_bytes${sel(m)})`,
  eventLoopLagP99: (m: LabelMatcher[]) =>
    `max(nodejs_eventloop_lag_p99_seconds${sel(m)})`,
};
