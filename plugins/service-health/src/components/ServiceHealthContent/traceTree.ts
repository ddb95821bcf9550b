import type { Span } from '@fastify-backstage/plugin-service-health-common';

export interface SpanRow {
  span: Span;
  depth: number;
  /** Offset from the trace start, ms. */
  offsetMs: number;
  hasChildren: boolean;
}

const end = (s: Span) => s.startTime + s.durationMs;

/** Children by parent id; spans whose parent is not in the trace are roots. */
function childrenIndex(spans: Span[]) {
  const ids = new Set(spans.map(s => s.spanId));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const span of spans) {
    if (
      span.parentSpanId &&
      ids.has(span.parentSpanId) &&
      span.parentSpanId !== span.spanId
    ) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: Span, b: Span) =>
    a.startTime - b.startTime || end(b) - end(a);
  roots.sort(byStart);
  children.forEach(list => list.sort(byStart));
  return { roots, children };
}

/** The spans in waterfall order (depth-first, children by start time). */
export function flattenTrace(spans: Span[]): SpanRow[] {
  if (spans.length === 0) return [];
  const { roots, children } = childrenIndex(spans);
  const traceStart = Math.min(...spans.map(s => s.startTime));
  const rows: SpanRow[] = [];
  const seen = new Set<string>();
  const visit = (span: Span, depth: number) => {
    if (seen.has(span.spanId)) return;
    seen.add(span.spanId);
    const kids = children.get(span.spanId) ?? [];
    rows.push({
      span,
      depth,
      offsetMs: span.startTime - traceStart,
      hasChildren: kids.length > 0,
    });
    kids.forEach(k => visit(k, depth + 1));
  };
  roots.forEach(r => visit(r, 0));
  return rows;
}

/**
 * The critical path: the chain of spans that determined the trace's
 * duration. From the root's end, walk back: the child that finished last
 * (before the cursor) is on the path; recurse into it, then continue from
 * where it started. Same idea as Jaeger's critical path.
 */
export function criticalPath(spans: Span[]): Set<string> {
  const result = new Set<string>();
  if (spans.length === 0) return result;
  const { roots, children } = childrenIndex(spans);
  // The root that ends last decides the trace's end.
  const root = roots.reduce((a, b) => (end(b) > end(a) ? b : a));

  const walk = (span: Span, bound: number) => {
    result.add(span.spanId);
    let cursor = Math.min(end(span), bound);
    const kids = [...(children.get(span.spanId) ?? [])];
    for (;;) {
      let best: Span | undefined;
      for (const kid of kids) {
        if (result.has(kid.spanId)) continue;
        if (kid.startTime >= cursor) continue;
        if (!best || Math.min(end(kid), cursor) > Math.min(end(best), cursor)) {
          best = kid;
        }
      }
      if (!best) break;
      walk(best, cursor);
      cursor = best.startTime;
      if (cursor <= span.startTime) break;
    }
  };
  walk(root, end(root));
  return result;
}
