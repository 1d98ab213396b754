import type { Span } from './model.js';
import { assembleTrace } from './trace.js';

/** A trace's spans in display order: depth-first, children by start time, each after its parent. */
export interface TraceRows {
  /** The spans in row order (a repeated span id is kept once, as in `assembleTrace`). */
  readonly spans: Span[];
  /** Row of each row's parent (always an earlier row), -1 for a root. */
  readonly parent: Int32Array;
  /** Earliest start and latest end over the spans, ns since the epoch (0 for no spans). */
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
}

/**
 * Lays a trace out as rows, the order the timeline shows (the server's skeleton and the UI's
 * model both use it, so they agree). Iterative: 100k-deep chains are fine.
 */
export function traceRows(spans: readonly Span[]): TraceRows {
  const assembled = assembleTrace(spans);
  const n = assembled.spanCount;
  const rows = new Array<Span>(n);
  const parent = new Int32Array(n);
  type Node = (typeof assembled.roots)[number];
  const nodes: Node[] = [];
  const parents: number[] = [];
  for (let i = assembled.roots.length - 1; i >= 0; i--) {
    nodes.push(assembled.roots[i]);
    parents.push(-1);
  }
  let row = 0;
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const r = row++;
    rows[r] = node.span;
    parent[r] = parents.pop()!;
    for (let i = node.children.length - 1; i >= 0; i--) {
      nodes.push(node.children[i]);
      parents.push(r);
    }
  }
  return { spans: rows, parent, startTimeUnixNano: assembled.startTimeUnixNano, endTimeUnixNano: assembled.endTimeUnixNano };
}
