import type { TraceLayout } from './trace-model.js';

/**
 * The rows shown when the subtrees under `collapsed` rows are folded: a collapsed row is shown,
 * its descendants are not. Linear: a folded subtree is skipped in one step.
 */
export function visibleRows(layout: Pick<TraceLayout, 'spanCount' | 'subtreeEnd'>, collapsed: ReadonlySet<number>): Uint32Array {
  if (collapsed.size === 0) {
    const all = new Uint32Array(layout.spanCount);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  const out = new Uint32Array(layout.spanCount);
  let n = 0;
  for (let r = 0; r < layout.spanCount; ) {
    out[n++] = r;
    r = collapsed.has(r) ? layout.subtreeEnd[r] : r + 1;
  }
  return out.slice(0, n);
}

/** The rows down to `depth` levels stay open, deeper ones with children are folded. */
export function collapseBelow(layout: Pick<TraceLayout, 'spanCount' | 'depth' | 'childCount'>, depth: number): Set<number> {
  const set = new Set<number>();
  for (let r = 0; r < layout.spanCount; r++) if (layout.depth[r] === depth && layout.childCount[r] > 0) set.add(r);
  return set;
}

/** The ancestors of `row` (nearest first). */
export function ancestorsOf(layout: Pick<TraceLayout, 'parent'>, row: number): number[] {
  const out: number[] = [];
  for (let p = layout.parent[row]; p >= 0; p = layout.parent[p]) out.push(p);
  return out;
}
