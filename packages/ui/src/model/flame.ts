import type { TraceLayout } from './trace-model.js';
import { selfTimes } from './trace-stats.js';

/** One box of the flame graph: the spans of one call path (service and name at each level). */
export interface FlameNode {
  readonly depth: number;
  readonly service: number;
  readonly name: number;
  /** Left edge and width as shares of the whole graph (0..1). */
  readonly x: number;
  readonly width: number;
  /** Self time of these spans and of everything under them, ns (what the width shows). */
  readonly valueNano: number;
  readonly selfNano: number;
  /** Sum of the spans' durations, ns. */
  readonly totalNano: number;
  readonly count: number;
  /** The first span of the path, for opening it in the timeline. */
  readonly firstRow: number;
  /** Index of the parent node, -1 at the top. */
  readonly parent: number;
}

export interface FlameGraph {
  readonly nodes: readonly FlameNode[];
  readonly maxDepth: number;
  readonly totalNano: number;
}

type Layout = Pick<TraceLayout, 'spanCount' | 'roots' | 'start' | 'duration' | 'subtreeEnd' | 'service' | 'name'>;

interface Building {
  depth: number;
  service: number;
  name: number;
  rows: number[];
  parent: number;
  children: number[];
  self: number;
  total: number;
  value: number;
  x: number;
}

/**
 * A flame graph of the trace: spans merged by call path, as a profiler merges stacks. A box is as
 * wide as the self time spent in its path and below, so children always fit in their parent even
 * when they ran in parallel; siblings in order of their first start.
 */
export function buildFlameGraph(layout: Layout): FlameGraph {
  const self = selfTimes(layout);
  const nodes: Building[] = [];
  const group = (rows: Iterable<number>, depth: number, parent: number): number[] => {
    const byKey = new Map<number, number>();
    const made: number[] = [];
    for (const r of rows) {
      const key = layout.service[r] * 0x100000000 + layout.name[r];
      let i = byKey.get(key);
      if (i === undefined) {
        i = nodes.length;
        nodes.push({ depth, service: layout.service[r], name: layout.name[r], rows: [], parent, children: [], self: 0, total: 0, value: 0, x: 0 });
        byKey.set(key, i);
        made.push(i);
      }
      nodes[i].rows.push(r);
    }
    return made;
  };
  const top = group(layout.roots, 0, -1);
  // Breadth-wise construction: a node's children are found from its rows' children.
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const kids: number[] = [];
    for (const r of node.rows) {
      node.self += self[r];
      node.total += layout.duration[r];
      for (let c = r + 1; c < layout.subtreeEnd[r]; c = layout.subtreeEnd[c]) kids.push(c);
    }
    kids.sort((p, q) => layout.start[p] - layout.start[q]);
    node.children = group(kids, node.depth + 1, i);
  }
  // Values bottom-up: children were created after their parents, so walk backwards.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    node.value += node.self;
    if (node.parent >= 0) nodes[node.parent].value += node.value;
  }
  let total = 0;
  for (const t of top) total += nodes[t].value;
  const scale = total > 0 ? 1 / total : 0;
  let x = 0;
  for (const t of top) {
    nodes[t].x = x;
    x += nodes[t].value * scale;
  }
  let maxDepth = 0;
  for (const node of nodes) {
    let cx = node.x;
    for (const c of node.children) {
      nodes[c].x = cx;
      cx += nodes[c].value * scale;
    }
    if (node.depth > maxDepth) maxDepth = node.depth;
  }
  return {
    nodes: nodes.map((n) => ({
      depth: n.depth,
      service: n.service,
      name: n.name,
      x: n.x,
      width: n.value * scale,
      valueNano: n.value,
      selfNano: n.self,
      totalNano: n.total,
      count: n.rows.length,
      firstRow: n.rows[0],
      parent: n.parent,
    })),
    maxDepth,
    totalNano: total,
  };
}
