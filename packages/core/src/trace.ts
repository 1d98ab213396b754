import type { Span } from './model.js';

export interface TraceNode {
  readonly span: Span;
  readonly children: TraceNode[];
  /** 0 for roots. */
  depth: number;
}

export interface AssembledTrace {
  readonly traceId: string;
  /** Spans without a parent, spans whose parent is missing, and spans caught in a parent cycle; by start time. */
  readonly roots: TraceNode[];
  readonly bySpanId: ReadonlyMap<string, TraceNode>;
  readonly spanCount: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
}

const byStart = (a: TraceNode, b: TraceNode) =>
  a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : a.span.startTimeUnixNano > b.span.startTimeUnixNano ? 1 : 0;

/**
 * Builds the span tree of one trace. A repeated span id (a retried export) is kept once, the
 * first time it is seen. Works without recursion, so 100k-deep chains are fine.
 */
export function assembleTrace(spans: readonly Span[]): AssembledTrace {
  const bySpanId = new Map<string, TraceNode>();
  for (const span of spans) {
    if (!bySpanId.has(span.spanId)) bySpanId.set(span.spanId, { span, children: [], depth: 0 });
  }
  const roots: TraceNode[] = [];
  for (const node of bySpanId.values()) {
    const parent = node.span.parentSpanId ? bySpanId.get(node.span.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  // Depths by walking down from the roots; nodes never reached sit in a parent cycle.
  const reached = new Set<TraceNode>();
  const walk = (start: TraceNode[]) => {
    const stack = [...start];
    for (const r of start) reached.add(r);
    while (stack.length > 0) {
      const node = stack.pop()!;
      node.children.sort(byStart);
      for (const child of node.children) {
        if (reached.has(child)) continue;
        reached.add(child);
        child.depth = node.depth + 1;
        stack.push(child);
      }
    }
  };
  walk(roots);
  if (reached.size < bySpanId.size) {
    for (const node of bySpanId.values()) {
      if (reached.has(node)) continue;
      // Break the cycle at this node: it becomes a root.
      for (const other of bySpanId.values()) {
        const k = other.children.indexOf(node);
        if (k >= 0) other.children.splice(k, 1);
      }
      node.depth = 0;
      roots.push(node);
      walk([node]);
    }
  }
  roots.sort(byStart);
  let start = 0n;
  let end = 0n;
  let first = true;
  for (const { span } of bySpanId.values()) {
    if (first || span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (first || span.endTimeUnixNano > end) end = span.endTimeUnixNano;
    first = false;
  }
  return {
    traceId: spans.length > 0 ? spans[0].traceId : '',
    roots,
    bySpanId,
    spanCount: bySpanId.size,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
  };
}
