import type { CriticalPath } from './critical-path.js';
import type { TraceLayout } from './trace-model.js';

/** One line of the statistics: a service, or an operation (service + span name). */
export interface StatRow {
  readonly service: string;
  /** Absent on a per-service line. */
  readonly operation?: string;
  readonly count: number;
  readonly errors: number;
  /** Sum of the spans' durations, ns. */
  readonly totalNano: number;
  /** Sum of the spans' self time (duration not covered by a child), ns. */
  readonly selfNano: number;
  readonly maxNano: number;
  /** Time on the critical path, ns. */
  readonly criticalNano: number;
  /** criticalNano / the critical path's length (0..1). */
  readonly criticalShare: number;
}

export interface TraceStatistics {
  /** By time on the critical path, then self time, descending. */
  readonly services: readonly StatRow[];
  readonly operations: readonly StatRow[];
}

type Layout = Pick<TraceLayout, 'spanCount' | 'start' | 'duration' | 'subtreeEnd'>;

/**
 * Each span's self time: its duration minus the union of its children's intervals (cut to the
 * span), so parallel children are not subtracted twice and overflowing ones not beyond the span.
 * Children come in start order (the model's display order), which a merge of intervals needs.
 */
export function selfTimes(layout: Layout): Float64Array {
  const self = new Float64Array(layout.spanCount);
  for (let r = 0; r < layout.spanCount; r++) {
    const s = layout.start[r];
    const e = s + layout.duration[r];
    let covered = 0;
    let runStart = 0;
    let runEnd = -Infinity;
    for (let c = r + 1; c < layout.subtreeEnd[r]; c = layout.subtreeEnd[c]) {
      const cs = Math.max(layout.start[c], s);
      const ce = Math.min(layout.start[c] + layout.duration[c], e);
      if (ce <= cs) continue;
      if (cs > runEnd) {
        if (runEnd > runStart) covered += runEnd - runStart;
        runStart = cs;
        runEnd = ce;
      } else if (ce > runEnd) {
        runEnd = ce;
      }
    }
    if (runEnd > runStart) covered += runEnd - runStart;
    self[r] = Math.max(0, layout.duration[r] - covered);
  }
  return self;
}

interface Acc {
  service: string;
  operation?: string;
  count: number;
  errors: number;
  totalNano: number;
  selfNano: number;
  maxNano: number;
  criticalNano: number;
}

/** Per-service and per-operation statistics ("where did the time go"). */
export function computeStatistics(layout: Layout & Pick<TraceLayout, 'service' | 'name' | 'services' | 'names' | 'status'>, path: CriticalPath): TraceStatistics {
  const self = selfTimes(layout);
  const critical = new Float64Array(layout.spanCount);
  for (let i = 0; i < path.rows.length; i++) critical[path.rows[i]] += path.ends[i] - path.starts[i];
  const byService = new Map<number, Acc>();
  const byOperation = new Map<string, Acc>();
  const add = (acc: Acc, r: number) => {
    acc.count++;
    if (layout.status[r] === 2) acc.errors++;
    acc.totalNano += layout.duration[r];
    acc.selfNano += self[r];
    acc.maxNano = Math.max(acc.maxNano, layout.duration[r]);
    acc.criticalNano += critical[r];
  };
  const fresh = (service: string, operation?: string): Acc => ({ service, operation, count: 0, errors: 0, totalNano: 0, selfNano: 0, maxNano: 0, criticalNano: 0 });
  for (let r = 0; r < layout.spanCount; r++) {
    const sv = layout.service[r];
    let s = byService.get(sv);
    if (!s) byService.set(sv, (s = fresh(layout.services[sv])));
    add(s, r);
    const key = `${sv}:${layout.name[r]}`;
    let o = byOperation.get(key);
    if (!o) byOperation.set(key, (o = fresh(layout.services[sv], layout.names[layout.name[r]])));
    add(o, r);
  }
  const total = path.totalNano;
  const finish = (list: Iterable<Acc>): StatRow[] =>
    [...list]
      .map((a) => ({ ...a, criticalShare: total > 0 ? a.criticalNano / total : 0 }))
      .sort((a, b) => b.criticalNano - a.criticalNano || b.selfNano - a.selfNano || a.service.localeCompare(b.service) || (a.operation ?? '').localeCompare(b.operation ?? ''));
  return { services: finish(byService.values()), operations: finish(byOperation.values()) };
}
