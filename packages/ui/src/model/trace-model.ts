import type { Span } from '@tracelight/core';
import { assembleTrace, serviceNameOf, StatusCode } from '@tracelight/core';
import type { CriticalPath } from './critical-path.js';
import { computeCriticalPath } from './critical-path.js';
import type { TraceStatistics } from './trace-stats.js';
import { computeStatistics } from './trace-stats.js';

/** Bits of `TraceModel.flags`. */
export const RowFlag = {
  HAS_EVENTS: 1,
  HAS_LINKS: 2,
  /** The server noted clock skew on this span. */
  WARNING: 4,
  /** The span names a parent that is not in the trace. */
  ORPHAN: 8,
} as const;

/**
 * One trace, laid out for the views: spans as rows in display order (depth-first, children by
 * start time), every per-row fact in a typed array indexed by row. Plain data only (no Span
 * objects), so it is built in a worker and handed to the page cheaply; the full spans stay in the
 * worker and are fetched one at a time for the detail panel.
 */
export interface TraceModel {
  readonly traceId: string;
  readonly spanCount: number;
  /** Earliest span start, ns since the epoch. */
  readonly startUnixNano: bigint;
  /** Latest end minus earliest start, ns. */
  readonly durationNano: number;
  /** Service names, by first appearance in display order (so colours are stable per trace). */
  readonly services: readonly string[];
  readonly names: readonly string[];
  readonly spanIds: readonly string[];
  /** Row of the parent, -1 for a root. */
  readonly parent: Int32Array;
  readonly depth: Uint32Array;
  /** One past the last row of the span's subtree. */
  readonly subtreeEnd: Uint32Array;
  readonly childCount: Uint32Array;
  /** ns from the trace start. */
  readonly start: Float64Array;
  /** ns. */
  readonly duration: Float64Array;
  /** Index into `services`. */
  readonly service: Uint32Array;
  /** Index into `names`. */
  readonly name: Uint32Array;
  readonly kind: Uint8Array;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly status: Uint8Array;
  /** RowFlag bits. */
  readonly flags: Uint8Array;
  readonly maxDepth: number;
  readonly errorCount: number;
  /** Rows without a parent in the trace. */
  readonly roots: readonly number[];
  /** Rows of spans whose parent is missing (the trace is incomplete). */
  readonly orphanCount: number;
  readonly warningCount: number;
  readonly criticalPath: CriticalPath;
  readonly statistics: TraceStatistics;
}

function intern(table: string[], index: Map<string, number>, value: string): number {
  let i = index.get(value);
  if (i === undefined) {
    i = table.length;
    table.push(value);
    index.set(value, i);
  }
  return i;
}

/**
 * Builds the model of one trace. Linear apart from sorting children by start time; no recursion,
 * so 100k-deep chains are fine. `warnings` are the server's clock-skew notes by span id.
 */
export function buildTraceModel(traceId: string, spans: readonly Span[], warnings?: ReadonlyMap<string, readonly string[]>): TraceModel {
  return layoutTrace(traceId, spans, warnings).model;
}

/** The model and the spans in row order (what the worker keeps for the detail panel and search). */
export function layoutTrace(traceId: string, spans: readonly Span[], warnings?: ReadonlyMap<string, readonly string[]>): { model: TraceModel; spansByRow: Span[] } {
  const assembled = assembleTrace(spans);
  const n = assembled.spanCount;
  const parent = new Int32Array(n);
  const depth = new Uint32Array(n);
  const subtreeEnd = new Uint32Array(n);
  const childCount = new Uint32Array(n);
  const start = new Float64Array(n);
  const duration = new Float64Array(n);
  const service = new Uint32Array(n);
  const name = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const status = new Uint8Array(n);
  const flags = new Uint8Array(n);
  const spanIds: string[] = new Array<string>(n);
  const spansByRow: Span[] = new Array<Span>(n);
  const services: string[] = [];
  const serviceIndex = new Map<string, number>();
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const roots: number[] = [];
  const t0 = assembled.startTimeUnixNano;
  let maxDepth = 0;
  let errorCount = 0;
  let orphanCount = 0;
  let warningCount = 0;

  // Iterative pre-order walk; a frame is (node, parent row); subtree ends are filled on the way back.
  type Node = (typeof assembled.roots)[number];
  const stack: { node: Node; parentRow: number; depth: number }[] = [];
  for (let i = assembled.roots.length - 1; i >= 0; i--) stack.push({ node: assembled.roots[i], parentRow: -1, depth: 0 });
  let row = 0;
  while (stack.length > 0) {
    const { node, parentRow, depth: d } = stack.pop()!;
    const span = node.span;
    const r = row++;
    parent[r] = parentRow;
    depth[r] = d;
    if (d > maxDepth) maxDepth = d;
    childCount[r] = node.children.length;
    spanIds[r] = span.spanId;
    spansByRow[r] = span;
    start[r] = Number(span.startTimeUnixNano - t0);
    const dur = span.endTimeUnixNano - span.startTimeUnixNano;
    duration[r] = dur > 0n ? Number(dur) : 0;
    service[r] = intern(services, serviceIndex, serviceNameOf(span.resource));
    name[r] = intern(names, nameIndex, span.name);
    kind[r] = span.kind;
    status[r] = span.status.code;
    if (span.status.code === StatusCode.ERROR) errorCount++;
    let f = 0;
    if (span.events.length > 0) f |= RowFlag.HAS_EVENTS;
    if (span.links.length > 0) f |= RowFlag.HAS_LINKS;
    if (warnings?.has(span.spanId)) {
      f |= RowFlag.WARNING;
      warningCount++;
    }
    if (parentRow < 0) {
      roots.push(r);
      if (span.parentSpanId !== '') {
        f |= RowFlag.ORPHAN;
        orphanCount++;
      }
    }
    flags[r] = f;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i], parentRow: r, depth: d + 1 });
  }
  // Subtree ends: a row's subtree ends where the next row of depth <= its own begins.
  const open: number[] = [];
  for (let r = 0; r < n; r++) {
    while (open.length > 0 && depth[open[open.length - 1]] >= depth[r]) subtreeEnd[open.pop()!] = r;
    open.push(r);
  }
  for (const r of open) subtreeEnd[r] = n;

  const base = {
    traceId,
    spanCount: n,
    startUnixNano: t0,
    durationNano: n === 0 ? 0 : Number(assembled.endTimeUnixNano - t0),
    services,
    names,
    spanIds,
    parent,
    depth,
    subtreeEnd,
    childCount,
    start,
    duration,
    service,
    name,
    kind,
    status,
    flags,
    maxDepth,
    errorCount,
    roots,
    orphanCount,
    warningCount,
  };
  const criticalPath = computeCriticalPath(base);
  return { model: { ...base, criticalPath, statistics: computeStatistics(base, criticalPath) }, spansByRow };
}

/** The facts of a model that the pure functions over it read (no derived results). */
export type TraceLayout = Omit<TraceModel, 'criticalPath' | 'statistics'>;

/** The root that stands for the trace (its critical path is the trace's): the root that ends last, the first one on ties. */
export function mainRoot(model: Pick<TraceLayout, 'roots' | 'duration' | 'start'>): number {
  let best = -1;
  for (const r of model.roots) {
    if (best < 0 || model.start[r] + model.duration[r] > model.start[best] + model.duration[best]) best = r;
  }
  return best;
}
