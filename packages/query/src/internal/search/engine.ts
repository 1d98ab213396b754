import type { StoreReader, Trace, TraceRef } from '@tracelight/store';
import { compareTraceRefs } from '@tracelight/store';
import { spanMatches } from './evaluate.js';
import type { SearchPlan } from './plan.js';

export interface MatchOptions {
  readonly startTimeMinUnixNano?: bigint;
  readonly startTimeMaxUnixNano?: bigint;
  /** Traces wanted. */
  readonly limit: number;
  /** When the store cannot check the whole query: how many candidate traces to fetch and check here, at most. */
  readonly scanLimit: number;
}

export interface MatchResult {
  /** Matching traces, most recent matching span first (the order of `findTraceIds`). */
  readonly refs: TraceRef[];
  /** Some branch hit its limit: more traces may match. */
  readonly truncated: boolean;
  /** Full traces fetched while checking (so callers need not fetch them again). */
  readonly traces: ReadonlyMap<string, Trace>;
}

const FETCH_CHUNK = 100;

/**
 * Runs a planned search: one `findTraceIds` per branch; when the plan is not exact, fetches the
 * candidates and checks the whole expression on their spans here (a trace matches when one of
 * its spans satisfies it and starts inside the time window).
 */
export async function findMatchingTraces(reader: StoreReader, plan: SearchPlan, options: MatchOptions): Promise<MatchResult> {
  const { startTimeMinUnixNano, startTimeMaxUnixNano } = options;
  const storeLimit = plan.exact ? options.limit : Math.max(options.limit, options.scanLimit);
  const answers = await Promise.all(
    plan.branches.map((b) => reader.findTraceIds({ ...b.query, startTimeMinUnixNano, startTimeMaxUnixNano, limit: storeLimit })),
  );
  const truncated = answers.some((refs) => refs.length >= storeLimit);
  const latest = new Map<string, bigint>();
  for (const refs of answers) {
    for (const r of refs) {
      const t = latest.get(r.traceId);
      if (t === undefined || r.startTimeUnixNano > t) latest.set(r.traceId, r.startTimeUnixNano);
    }
  }
  const candidates = [...latest].map(([traceId, startTimeUnixNano]) => ({ traceId, startTimeUnixNano })).sort(compareTraceRefs);
  const traces = new Map<string, Trace>();
  if (plan.exact) return { refs: candidates.slice(0, options.limit), truncated, traces };

  // A trace's time for the whole query (its most recent span that satisfies it) is never later
  // than its candidate time (the most recent span satisfying a branch's pushed-down part, a
  // necessary condition). So candidates are checked newest first, and the check stops once
  // `limit` matches are strictly newer than the next candidate could be.
  const refs: TraceRef[] = [];
  const chunk = Math.min(FETCH_CHUNK, Math.max(2 * options.limit, 20));
  let stoppedEarly = false;
  for (let i = 0; i < candidates.length; i += chunk) {
    const ids = candidates.slice(i, i + chunk).map((r) => r.traceId);
    for (const trace of await reader.getTraces(ids)) {
      let best: bigint | undefined;
      for (const span of trace.spans) {
        const start = span.startTimeUnixNano;
        if (startTimeMinUnixNano !== undefined && start < startTimeMinUnixNano) continue;
        if (startTimeMaxUnixNano !== undefined && start > startTimeMaxUnixNano) continue;
        if ((best === undefined || start > best) && spanMatches(plan.expr, span)) best = start;
      }
      if (best !== undefined) {
        refs.push({ traceId: trace.traceId, startTimeUnixNano: best });
        traces.set(trace.traceId, trace);
      }
    }
    const next = candidates[i + chunk];
    if (next !== undefined && refs.length >= options.limit) {
      refs.sort(compareTraceRefs);
      if (refs[options.limit - 1].startTimeUnixNano > next.startTimeUnixNano) {
        stoppedEarly = true;
        break;
      }
    }
  }
  refs.sort(compareTraceRefs);
  const page = refs.slice(0, options.limit);
  if (page.length < refs.length) for (const r of refs.slice(options.limit)) traces.delete(r.traceId);
  return { refs: page, truncated: truncated || stoppedEarly || refs.length > options.limit, traces };
}

/** The matched traces in match order, fetching those the search did not already load. */
export async function matchedTraces(reader: StoreReader, match: MatchResult): Promise<Trace[]> {
  const missing = match.refs.map((r) => r.traceId).filter((id) => !match.traces.has(id));
  const fetched = new Map(missing.length > 0 ? (await reader.getTraces(missing)).map((t) => [t.traceId, t]) : []);
  return match.refs.flatMap((r) => match.traces.get(r.traceId) ?? fetched.get(r.traceId) ?? []);
}
