import type { TraceLayout } from './trace-model.js';
import { mainRoot } from './trace-model.js';

/**
 * The critical path: the chain of work that determined when the trace ended. Segments are
 * (row, start, end) in ns from the trace start, in time order; a span can have several (its own
 * work before, between and after the children that were on the path).
 */
export interface CriticalPath {
  readonly rows: Int32Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** 1 for rows with at least one segment. */
  readonly onPath: Uint8Array;
  /** Sum of the segments' lengths (the main root's duration when the path is complete). */
  readonly totalNano: number;
}

type Layout = Pick<TraceLayout, 'spanCount' | 'roots' | 'start' | 'duration' | 'subtreeEnd'>;

/**
 * How far (ns) a child may seem to run past the point the walk has come back to and still count
 * as finished before it. OpenTelemetry JS takes a span's start from `Date.now()` (whole
 * milliseconds) and its end as start + a precise duration, so every span of a Node service is
 * shifted back by its own 0-1 ms: a call and the step right after it can seem to overlap by up
 * to a millisecond. Without the tolerance the walk skips such a call, however long it took.
 */
const OVERLAP_TOLERANCE_NANO = 1_000_000;

interface Frame {
  readonly row: number;
  /** The span's interval, clamped to its parent's. */
  readonly s: number;
  readonly e: number;
  /** Children (clamped), latest end first. */
  readonly children: number[];
  readonly childStart: number[];
  readonly childEnd: number[];
  cursor: number;
  /** How far back in time this span's walk has come. */
  point: number;
}

function frameOf(layout: Layout, row: number, s: number, e: number): Frame {
  const kids: { row: number; s: number; e: number }[] = [];
  const end = layout.subtreeEnd[row];
  for (let c = row + 1; c < end; c = layout.subtreeEnd[c]) {
    // Children that overflow their parent are cut to it; ones entirely outside it are left out.
    const cs = Math.max(layout.start[c], s);
    const ce = Math.min(layout.start[c] + layout.duration[c], e);
    if (ce > cs) kids.push({ row: c, s: cs, e: ce });
  }
  kids.sort((a, b) => b.e - a.e || b.s - a.s);
  return { row, s, e, children: kids.map((k) => k.row), childStart: kids.map((k) => k.s), childEnd: kids.map((k) => k.e), cursor: 0, point: e };
}

/**
 * The standard algorithm (as Jaeger UI's): start at the main root's end and walk back in time. At
 * each span, the child that finished last before the current point is on the path: the span's own
 * time between that child's end and the point is on the path, then the walk goes into the child
 * (from the child's end), and when it comes back continues from the child's start. With no such
 * child left, the span's time from its start to the point is on the path. No recursion.
 * "Before the point" allows `OVERLAP_TOLERANCE_NANO` of overlap; such a child is cut at the point.
 */
export function computeCriticalPath(layout: Layout): CriticalPath {
  const rows: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const onPath = new Uint8Array(layout.spanCount);
  const root = mainRoot(layout);
  const segment = (row: number, s: number, e: number) => {
    if (e <= s) return;
    rows.push(row);
    starts.push(s);
    ends.push(e);
    onPath[row] = 1;
  };
  if (root >= 0) {
    const stack: Frame[] = [frameOf(layout, root, layout.start[root], layout.start[root] + layout.duration[root])];
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      // Children ending later than the point (beyond the tolerance) or starting after it can no
      // longer be on the path: the point only moves back.
      while (
        f.cursor < f.children.length &&
        (f.childEnd[f.cursor] > f.point + OVERLAP_TOLERANCE_NANO || f.childStart[f.cursor] >= f.point)
      ) {
        f.cursor++;
      }
      if (f.cursor < f.children.length) {
        const k = f.cursor++;
        const end = Math.min(f.childEnd[k], f.point);
        segment(f.row, end, f.point);
        f.point = f.childStart[k];
        stack.push(frameOf(layout, f.children[k], f.childStart[k], end));
      } else {
        segment(f.row, f.s, f.point);
        stack.pop();
      }
    }
  }
  // Found walking back in time: reverse into time order.
  rows.reverse();
  starts.reverse();
  ends.reverse();
  let total = 0;
  for (let i = 0; i < rows.length; i++) total += ends[i] - starts[i];
  return { rows: Int32Array.from(rows), starts: Float64Array.from(starts), ends: Float64Array.from(ends), onPath, totalNano: total };
}
