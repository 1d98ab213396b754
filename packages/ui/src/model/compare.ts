import type { TraceLayout } from './trace-model.js';

export type Change = 'added' | 'removed' | 'slower' | 'faster' | 'same';

export interface CompareSide {
  readonly count: number;
  readonly errors: number;
  /** Sum of the spans' durations, ns. */
  readonly totalNano: number;
  /** Rows of these spans in their trace (the first one links to the span). */
  readonly rows: readonly number[];
}

/** A node of the merged tree: the spans of one (service, name) under the same merged parent. */
export interface CompareRow {
  readonly depth: number;
  readonly service: string;
  readonly name: string;
  /** Absent when trace A has no such spans here. */
  readonly a?: CompareSide;
  readonly b?: CompareSide;
  readonly change: Change;
  /** How many merged rows the subtree under this one holds. */
  readonly descendants: number;
}

export interface CompareOptions {
  /** B is slower (faster) when its total exceeds (falls short of) A's by more than this share. Default 0.1. */
  readonly relative?: number;
  /** ...and by more than this share of the longer trace. Default 0.005. */
  readonly absoluteShare?: number;
}

type Layout = Pick<TraceLayout, 'spanCount' | 'roots' | 'start' | 'duration' | 'subtreeEnd' | 'service' | 'name' | 'services' | 'names' | 'status' | 'durationNano'>;

interface Group {
  readonly service: string;
  readonly name: string;
  readonly a: number[];
  readonly b: number[];
  readonly first: number;
}

function groupRows(target: Map<string, Group>, layout: Layout, rows: Iterable<number>, side: 'a' | 'b') {
  for (const r of rows) {
    const service = layout.services[layout.service[r]];
    const name = layout.names[layout.name[r]];
    const key = `${service}\u0000${name}`;
    let g = target.get(key);
    if (!g) target.set(key, (g = { service, name, a: [], b: [], first: layout.start[r] }));
    g[side].push(r);
  }
}

function* childrenOf(layout: Layout, rows: readonly number[]): Generator<number> {
  for (const r of rows) for (let c = r + 1; c < layout.subtreeEnd[r]; c = layout.subtreeEnd[c]) yield c;
}

function sideOf(layout: Layout, rows: readonly number[]): CompareSide | undefined {
  if (rows.length === 0) return undefined;
  let total = 0;
  let errors = 0;
  for (const r of rows) {
    total += layout.duration[r];
    if (layout.status[r] === 2) errors++;
  }
  return { count: rows.length, errors, totalNano: total, rows };
}

/**
 * Two traces as one merged tree (Jaeger UI's trace comparison): siblings with the same service
 * and span name are one node, matched between the traces by their path from the root. Each node
 * says whether its spans were added (only in B), removed (only in A), got slower or faster (total
 * time, beyond both thresholds), or stayed the same. Rows come in display order (pre-order).
 */
export function compareTraces(a: Layout, b: Layout, options: CompareOptions = {}): CompareRow[] {
  const relative = options.relative ?? 0.1;
  const absolute = (options.absoluteShare ?? 0.005) * Math.max(a.durationNano, b.durationNano);
  const out: CompareRow[] = [];
  const top = new Map<string, Group>();
  groupRows(top, a, a.roots, 'a');
  groupRows(top, b, b.roots, 'b');
  const ordered = (m: Map<string, Group>) => [...m.values()].sort((x, y) => x.first - y.first);
  // Pre-order with an explicit stack; a frame remembers its output index to fill in `descendants`.
  const stack: { g: Group; depth: number }[] = ordered(top).reverse().map((g) => ({ g, depth: 0 }));
  const open: { index: number; depth: number }[] = [];
  const close = (depth: number) => {
    while (open.length > 0 && open[open.length - 1].depth >= depth) {
      const o = open.pop()!;
      (out[o.index] as { descendants: number }).descendants = out.length - o.index - 1;
    }
  };
  while (stack.length > 0) {
    const { g, depth } = stack.pop()!;
    close(depth);
    const sa = sideOf(a, g.a);
    const sb = sideOf(b, g.b);
    let change: Change = 'same';
    if (!sa) change = 'added';
    else if (!sb) change = 'removed';
    else {
      const diff = sb.totalNano - sa.totalNano;
      if (Math.abs(diff) > absolute && Math.abs(diff) > relative * sa.totalNano) change = diff > 0 ? 'slower' : 'faster';
    }
    open.push({ index: out.length, depth });
    out.push({ depth, service: g.service, name: g.name, a: sa, b: sb, change, descendants: 0 });
    const kids = new Map<string, Group>();
    groupRows(kids, a, childrenOf(a, g.a), 'a');
    groupRows(kids, b, childrenOf(b, g.b), 'b');
    const list = ordered(kids);
    for (let i = list.length - 1; i >= 0; i--) stack.push({ g: list[i], depth: depth + 1 });
  }
  close(0);
  return out;
}
