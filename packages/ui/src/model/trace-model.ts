import type { Span } from '@tracelight/core';
import { StatusCode } from '@tracelight/core';
import type { RowColumns, TraceSkeleton } from '@tracelight/query/client';
import { SkeletonFlag, spanRows } from '@tracelight/query/client';
import type { CriticalPath } from './critical-path.js';
import { computeCriticalPath } from './critical-path.js';
import type { TraceStatistics } from './trace-stats.js';
import { computeStatistics } from './trace-stats.js';

/** Bits of `TraceModel.flags`: the skeleton's bits (events, links, clock-skew warning, orphan). */
export const RowFlag = SkeletonFlag;

/** Per-row facts in display order (each row after its parent), from which the rest of the model follows. */
export interface TraceRowFacts extends RowColumns {
  readonly traceId: string;
  /** Earliest span start, ns since the epoch. */
  readonly startUnixNano: bigint;
  /** Latest end minus earliest start, ns. */
  readonly durationNano: number;
  /** Service names, by first appearance in display order (so colours are stable per trace). */
  readonly services: readonly string[];
  readonly names: readonly string[];
  readonly spanIds: readonly string[];
}

/**
 * One trace, laid out for the views: spans as rows in display order (depth-first, children by
 * start time), every per-row fact in a typed array indexed by row (the row facts, and what
 * follows from them below). Plain data only (no Span objects), so it is built in a worker and
 * handed to the page cheaply; the full spans stay in the worker and are fetched one at a time for
 * the detail panel.
 */
export interface TraceModel extends TraceRowFacts {
  readonly spanCount: number;
  readonly depth: Uint32Array;
  /** One past the last row of the span's subtree. */
  readonly subtreeEnd: Uint32Array;
  readonly childCount: Uint32Array;
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

/**
 * Builds the model of one trace. Linear apart from sorting children by start time; no recursion,
 * so 100k-deep chains are fine. `warnings` are the server's clock-skew notes by span id.
 */
export function buildTraceModel(traceId: string, spans: readonly Span[], warnings?: ReadonlyMap<string, readonly string[]>): TraceModel {
  return layoutTrace(traceId, spans, warnings).model;
}

/** The model and the spans in row order (what the worker keeps for the detail panel and search). */
export function layoutTrace(traceId: string, spans: readonly Span[], warnings?: ReadonlyMap<string, readonly string[]>): { model: TraceModel; spansByRow: Span[] } {
  const rows = spanRows(spans, warnings);
  const model = modelFromRows({
    traceId,
    startUnixNano: rows.startTimeUnixNano,
    durationNano: rows.durationNano,
    services: rows.services,
    names: rows.names,
    spanIds: rows.spans.map((s) => s.spanId),
    parent: rows.parent,
    start: rows.start,
    duration: rows.duration,
    service: rows.service,
    name: rows.name,
    kind: rows.kind,
    status: rows.status,
    flags: rows.flags,
  });
  return { model, spansByRow: rows.spans };
}

/**
 * The model from per-row facts (a laid-out upload, or the server's skeleton): depth, subtree
 * ends, child counts, roots and counts in one pass each, then the critical path and statistics.
 */
export function modelFromRows(facts: TraceRowFacts): TraceModel {
  const { parent, status, flags } = facts;
  const n = parent.length;
  const depth = new Uint32Array(n);
  const subtreeEnd = new Uint32Array(n);
  const childCount = new Uint32Array(n);
  const roots: number[] = [];
  let maxDepth = 0;
  let errorCount = 0;
  let orphanCount = 0;
  let warningCount = 0;
  for (let r = 0; r < n; r++) {
    const p = parent[r];
    if (p < 0) {
      roots.push(r);
    } else {
      const d = depth[p] + 1;
      depth[r] = d;
      if (d > maxDepth) maxDepth = d;
      childCount[p]++;
    }
    if (status[r] === StatusCode.ERROR) errorCount++;
    if (flags[r] & RowFlag.ORPHAN) orphanCount++;
    if (flags[r] & RowFlag.WARNING) warningCount++;
  }
  // Subtree ends: a row's subtree ends where the next row of depth <= its own begins.
  const open: number[] = [];
  for (let r = 0; r < n; r++) {
    while (open.length > 0 && depth[open[open.length - 1]] >= depth[r]) subtreeEnd[open.pop()!] = r;
    open.push(r);
  }
  for (const r of open) subtreeEnd[r] = n;

  const base: TraceLayout = { ...facts, spanCount: n, depth, subtreeEnd, childCount, maxDepth, errorCount, roots, orphanCount, warningCount };
  const criticalPath = computeCriticalPath(base);
  return { ...base, criticalPath, statistics: computeStatistics(base, criticalPath) };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The model from the server's skeleton (its rows are already in display order). */
export function modelFromSkeleton(skeleton: TraceSkeleton): TraceModel {
  const { header, spanIds: idBytes } = skeleton;
  const n = header.spanCount;
  const spanIds = new Array<string>(n);
  for (let r = 0, o = 0; r < n; r++, o += 8) {
    spanIds[r] =
      HEX[idBytes[o]] + HEX[idBytes[o + 1]] + HEX[idBytes[o + 2]] + HEX[idBytes[o + 3]] + HEX[idBytes[o + 4]] + HEX[idBytes[o + 5]] + HEX[idBytes[o + 6]] + HEX[idBytes[o + 7]];
  }
  // Copies of the sections: each gets its own buffer, so the page can take them as transfers.
  return modelFromRows({
    traceId: header.traceId,
    startUnixNano: BigInt(header.startTimeUnixNano),
    durationNano: header.durationNano,
    services: header.services,
    names: header.names,
    spanIds,
    parent: skeleton.parent.slice(),
    start: skeleton.start.slice(),
    duration: skeleton.duration.slice(),
    service: skeleton.service.slice(),
    name: skeleton.name.slice(),
    kind: skeleton.kind.slice(),
    status: skeleton.status.slice(),
    flags: skeleton.flags.slice(),
  });
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
