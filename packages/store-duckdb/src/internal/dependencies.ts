import type { DuckDBConnection } from '@duckdb/node-api';
import type { DependencyLink, DependencyQuery } from '@tracelight/store';
import { normalizeDependencyQuery } from '@tracelight/store';
import type { Dictionaries } from './dictionaries.js';
import { cmp, rows } from './reader.js';
import { DEPENDENCY_DDL } from './schema.js';
import type { WriterStats } from './writer.js';

// Calls between services (Jaeger's System Architecture view): for each child span starting in the
// range, its parent's service and its own; a child's parent is the row `parent_ref` back in its
// group commit, or the span `parent_id` names in its trace. Retried copies count once: edges are
// distinct per child span (trace id, span id, parent op, child op, status).
//
// Joining every child of a day to its parent took 7 s at 10M spans, so the counts are kept per
// minute of child start time (docs/adr/0002-duckdb-schema.md, "Dependencies"):
//   - `dep_buckets`: the minutes counted, each with the earliest start of a parent its edges used;
//   - `dep_edges`: per minute, calls and errors between two services (each named by its lowest
//     op id) — only pairs of different services, the only ones reported;
//   - `dep_pending`: per minute, the children whose parent was not stored when it was counted
//     (children usually arrive before their parent: each service exports its own spans);
//   - `dep_state`: the group commit up to which all of that holds (the watermark: its largest
//     row; rows are appended, and cleared with the next deletion).
// A query adds up the counted minutes it covers whole, resolves their pending children against
// the spans written since the watermark, and joins the rest (the minutes at its edges, recent
// ones, ones written to since) as before. In the background, a step moves the watermark to the
// latest group commit — a minute that got spans since, or whose pending children got a parent
// since, is dropped, to be counted again — and counts minutes that ended a while ago.
// Retention drops the minutes it deleted from and those whose edges used a parent it deleted.

/** Width of a counted bucket of child start times: a minute. */
export const BUCKET_NS = 60_000_000_000n;
/** A minute is counted once it ended this long before both the newest span and the clock. */
const SETTLE_NS = 60_000_000_000n;
/** Minutes counted by one background step (~80-120 ms at 7k spans a minute). */
const STEP_BUCKETS = 30;
/** Pause between background steps while minutes are left to count, and otherwise. */
const BUSY_PAUSE_MS = 20;
const IDLE_PAUSE_MS = 2000;
/**
 * While the writer takes more than BULK_SPANS_PER_S, steps wait (checking every BULK_CHECK_MS),
 * up to MAX_WAIT_MS since the last one: during a bulk load the CPU goes to the writes, and the
 * counting (~0.5 µs a span, once) follows.
 */
const BULK_SPANS_PER_S = 20_000;
const BULK_CHECK_MS = 200;
const MAX_WAIT_MS = 60_000;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Each op id with its service's lowest op id (a service's name for the counts). */
const SERVICE_OF = `svc AS (SELECT op_id, min(op_id) OVER (PARTITION BY service) AS s FROM ops)`;

/** The children (spans with a parent) starting in [lo, hi], with their bucket. */
function children(lo: bigint, hi: bigint): string {
  return `child AS (
      SELECT trace_hi, trace_lo, span_id, grp, seq, parent_ref, parent_id, op_id, status, start_ns // ${BUCKET_NS} AS b FROM spans
      WHERE start_ns >= ${lo} AND start_ns <= ${hi} AND (parent_ref <> 0 OR parent_id IS NOT NULL))`;
}

/**
 * Children starting in [lo, hi] with their parents, one row per (child copy, parent copy):
 * bucket, ids, child op and status, parent op and start. (Services are joined to this
 * afterwards: joined into it, DuckDB lost the join filter on `grp` and took 100x as long.)
 */
function childEdges(lo: bigint, hi: bigint): string {
  return `${children(lo, hi)},
    found AS (
      SELECT c.b, c.trace_hi, c.trace_lo, c.span_id, c.op_id AS cop, c.status, p.op_id AS pop, p.start_ns AS pstart
      FROM child c JOIN spans p ON p.grp = c.grp AND p.seq = c.seq - c.parent_ref WHERE c.parent_ref <> 0
      UNION ALL
      SELECT c.b, c.trace_hi, c.trace_lo, c.span_id, c.op_id, c.status, p.op_id, p.start_ns
      FROM child c JOIN spans p ON p.trace_hi = c.trace_hi AND p.trace_lo = c.trace_lo AND p.span_id = c.parent_id WHERE c.parent_ref = 0)`;
}

/**
 * Calls, errors and the earliest parent start per (bucket?, parent service, child service) of
 * the distinct cross-service edges in `from` (a child copy counts once per parent op and status).
 */
function countEdges(from: string, byBucket: boolean): string {
  return `SELECT ${byBucket ? 'b, ' : ''}ps, cs, count(*), count(*) FILTER (WHERE status = 2), min(mp) FROM (
      SELECT ${byBucket ? 'e.b, ' : ''}e.trace_hi, e.trace_lo, e.span_id, e.pop, e.cop, e.status, sp.s AS ps, sc.s AS cs, min(e.pstart) AS mp
      FROM ${from} e JOIN svc sp ON sp.op_id = e.pop JOIN svc sc ON sc.op_id = e.cop WHERE sp.s <> sc.s GROUP BY ALL)
    GROUP BY ALL`;
}

type Row = unknown[];

function clampNs(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

/** SQL of a list of bucket ranges, e.g. `(bucket BETWEEN 1 AND 5 OR bucket BETWEEN 8 AND 8)`. */
function inRanges(column: string, ranges: readonly [number, number][]): string {
  return `(${ranges.map(([a, b]) => (a === b ? `${column} = ${a}` : `${column} BETWEEN ${a} AND ${b}`)).join(' OR ')})`;
}

export interface DependencyIndexOptions {
  /**
   * The counts' own database file, attached as `deps`: commits of its small transactions then
   * never trigger (and checkpoint) the spans' database, which took them to checkpoint while
   * queries read and to leave the blocks it replaced unfreed (1M spans loaded: 79 instead of 62
   * B/span in two runs of three).
   */
  readonly path: string;
  /** A connection of its own: the background steps and the queries run on it, one at a time. */
  readonly con: DuckDBConnection;
  readonly dicts: Dictionaries;
  readonly writer: WriterStats;
}

/** Dependencies over per-minute counts kept up to date in the background (see above). */
export class DependencyIndex {
  /** Counted buckets -> earliest parent start their edges used (null: no cross-service edge). */
  private readonly counted = new Map<number, bigint | null>();
  /** Buckets no longer valid whose rows are still in the tables. */
  private readonly dropped = new Set<number>();
  /** Buckets that have (or had) spans. */
  private readonly present = new Set<number>();
  private watermark = 0n;
  /** Bumped by each retention: a step that read the spans before it must not install its counts. */
  private retentionEpoch = 0;
  private lastCutoff: bigint | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastStepAt = 0;
  /** Rows of dep_state: a step appends one; old ones go with the next deletion. */
  private stateRows = 0;
  /** Spans written as of two moments 1-2 s apart (the older first), for the writer's rate. */
  private readonly marks = [
    { at: 0, spans: 0 },
    { at: 0, spans: 0 },
  ];
  private stopped = false;

  private readonly con: DuckDBConnection;
  private readonly dicts: Dictionaries;
  private readonly writer: WriterStats;

  // No parameter properties: the worker runs from source with Node's type stripping.
  private constructor(options: DependencyIndexOptions) {
    this.con = options.con;
    this.dicts = options.dicts;
    this.writer = options.writer;
  }

  /** Loads the counted buckets; drops those a retention (maybe of an older version) left stale. */
  static async open(options: DependencyIndexOptions): Promise<DependencyIndex> {
    const index = new DependencyIndex(options);
    const con = options.con;
    await con.run(`ATTACH IF NOT EXISTS '${options.path.replaceAll("'", "''")}' AS deps`);
    for (const ddl of DEPENDENCY_DDL) await con.run(ddl);
    const [[watermark, states]] = await rows(con, `SELECT max(watermark), count(*) FROM deps.dep_state`);
    index.watermark = (watermark as bigint | null) ?? 0n;
    index.stateRows = Number(states);
    for (const [b, minParent] of await rows(con, `SELECT bucket, min_parent_start FROM deps.dep_buckets`)) {
      index.counted.set(Number(b), minParent as bigint | null);
    }
    for (const [b] of await rows(con, `SELECT DISTINCT start_ns // ${BUCKET_NS} FROM spans`)) index.present.add(Number(b));
    const [[minStart]] = await rows(con, `SELECT min(start_ns) FROM spans`);
    if (minStart === null) {
      for (const b of index.counted.keys()) index.drop(b);
    } else {
      index.invalidateBefore(minStart as bigint);
    }
    return index;
  }

  /** Runs background steps until stop(). */
  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      let pause = BULK_CHECK_MS;
      if (!this.writerBulkLoading()) {
        let more = false;
        try {
          more = await this.step();
        } catch {
          // A failed step changed nothing (its transaction rolled back); the next one tries again.
        }
        this.lastStepAt = Date.now();
        pause = more ? BUSY_PAUSE_MS : IDLE_PAUSE_MS;
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void loop(), pause);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(() => void loop(), BUSY_PAUSE_MS);
    this.timer.unref();
  }

  /** True while the writer takes spans fast (see BULK_SPANS_PER_S), unless a step is overdue. */
  private writerBulkLoading(): boolean {
    const now = Date.now();
    const spans = this.writer.spansWritten;
    // Over at least a second: commits come in bursts, and a checkpoint can hold them for a while.
    if (now - this.marks[1].at >= 1000) {
      const oldest = this.marks.shift()!;
      oldest.at = now;
      oldest.spans = spans;
      this.marks.push(oldest);
    }
    const since = this.marks[0];
    const rate = ((spans - since.spans) * 1000) / Math.max(1, now - since.at);
    return rate > BULK_SPANS_PER_S && now - this.lastStepAt < MAX_WAIT_MS;
  }

  /** Stops the background steps; resolves when a running one has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.exclusive(async () => undefined);
  }

  /** Steps until every settled minute is counted (tests; the background does the same in steps). */
  async catchUp(): Promise<void> {
    while (await this.step());
  }

  /**
   * Spans starting before `cutoff` are being (or were) deleted: buckets that held some, or whose
   * edges used a parent that did, are no longer valid. Call before and after the deletion.
   */
  retain(cutoff: bigint): void {
    this.retentionEpoch++;
    this.lastCutoff = cutoff;
    this.invalidateBefore(cutoff);
    for (const b of this.present) if (BigInt(b + 1) * BUCKET_NS <= cutoff) this.present.delete(b);
  }

  /** Minutes counted (for the store's stats). */
  get countedBuckets(): number {
    return this.counted.size;
  }

  private invalidateBefore(cutoff: bigint): void {
    for (const [b, minParent] of this.counted) {
      if (BigInt(b) * BUCKET_NS < cutoff || (minParent !== null && minParent < cutoff)) this.drop(b);
    }
  }

  private drop(b: number): void {
    this.counted.delete(b);
    this.dropped.add(b);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * One background step, in one transaction: moves the watermark to the latest group commit
   * (dropping the buckets that changed), then counts up to STEP_BUCKETS settled buckets.
   * True when there is more to count.
   */
  private step(): Promise<boolean> {
    return this.exclusive(async () => {
      if (this.stopped) return false;
      const con = this.con;
      const epoch = this.retentionEpoch;
      await con.run('BEGIN TRANSACTION');
      try {
        const [[latest]] = await rows(con, `SELECT max(grp) FROM spans`);
        const top = (latest as bigint | null) ?? 0n;
        const changed: number[] = [];
        if (top > this.watermark) {
          const since = `grp > ${this.watermark} AND grp <= ${top}`;
          // Buckets that got spans (late children, retried copies), and buckets with a pending
          // child whose parent came.
          for (const [b] of await rows(con, `SELECT DISTINCT start_ns // ${BUCKET_NS} FROM spans WHERE ${since}`)) changed.push(Number(b));
          const resolved = await rows(
            con,
            `SELECT DISTINCT d.bucket FROM deps.dep_pending d JOIN spans p ON p.trace_hi = d.trace_hi AND p.trace_lo = d.trace_lo AND p.span_id = d.parent_id WHERE p.${since}`,
          );
          for (const [b] of resolved) changed.push(Number(b));
        }
        for (const b of changed) {
          this.present.add(b);
          if (this.counted.has(b)) this.drop(b);
        }
        // Deletions only when needed: a transaction that deletes keeps DuckDB from checkpointing
        // until it ends (appends do not), and steps that deleted every time left the writer's
        // checkpoints' old blocks unfreed.
        const dropped = [...this.dropped];
        if (dropped.length > 0) {
          const ranges = toRanges(dropped.sort((a, b) => a - b));
          for (const table of ['deps.dep_buckets', 'deps.dep_edges', 'deps.dep_pending']) await con.run(`DELETE FROM ${table} WHERE ${inRanges('bucket', ranges)}`);
        }
        const pruneState = top !== this.watermark && (dropped.length > 0 || this.stateRows >= 1000);
        if (pruneState) await con.run(`DELETE FROM deps.dep_state`);
        // The oldest settled buckets not counted yet, at most STEP_BUCKETS in a row.
        const todo = this.uncounted();
        const computed = new Map<number, bigint | null>();
        if (todo) {
          const [b1, b2] = todo;
          const lo = BigInt(b1) * BUCKET_NS;
          const hi = BigInt(b2 + 1) * BUCKET_NS - 1n;
          for (let b = b1; b <= b2; b++) computed.set(b, null);
          const edges = await rows(con, `INSERT INTO deps.dep_edges WITH ${SERVICE_OF}, ${childEdges(lo, hi)} ${countEdges('found', true)} RETURNING bucket, min_parent_start`);
          for (const [b, min] of edges) {
            const was = computed.get(Number(b));
            if (was === null || was === undefined || (min as bigint) < was) computed.set(Number(b), min as bigint);
          }
          // Children whose parent is neither a row of their group commit nor stored (yet).
          await con.run(
            `INSERT INTO deps.dep_pending WITH ${children(lo, hi)} SELECT DISTINCT c.b, c.trace_hi, c.trace_lo, c.span_id, c.parent_id, c.op_id, c.status
            FROM child c LEFT JOIN spans p ON p.trace_hi = c.trace_hi AND p.trace_lo = c.trace_lo AND p.span_id = c.parent_id
            WHERE c.parent_ref = 0 AND p.span_id IS NULL`,
          );
          await con.run(`INSERT INTO deps.dep_buckets VALUES ${[...computed].map(([b, min]) => `(${b}, ${min === null ? 'NULL' : min})`).join(',')}`);
        }
        // (Nothing written when nothing changed: an idle store's file stays as it is.)
        if (top !== this.watermark) await con.run(`INSERT INTO deps.dep_state VALUES (${top})`);
        await con.run('COMMIT');
        if (top !== this.watermark) this.stateRows = pruneState ? 1 : this.stateRows + 1;
        this.watermark = top;
        for (const b of dropped) this.dropped.delete(b);
        for (const [b, min] of computed) this.counted.set(b, min);
        // A retention that ran meanwhile may have deleted spans this step still read.
        if (epoch !== this.retentionEpoch && this.lastCutoff !== undefined) this.invalidateBefore(this.lastCutoff);
        return todo !== undefined && this.uncounted() !== undefined;
      } catch (error) {
        await con.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * The oldest settled, uncounted bucket with spans, and the uncounted ones after it (up to
   * STEP_BUCKETS in a row; empty ones are counted too, with nothing). Negative buckets (spans
   * before 1970) are never counted: queries join them.
   */
  private uncounted(): [number, number] | undefined {
    const now = BigInt(Date.now()) * 1_000_000n;
    const newest = this.writer.maxStart;
    const settled = (newest < now ? newest : now) - SETTLE_NS;
    // Buckets ending at or before `settled`.
    const last = settled < 0n ? -1 : Number((settled + 1n) / BUCKET_NS) - 1;
    let first: number | undefined;
    for (const b of this.present) if (b >= 0 && b <= last && !this.counted.has(b) && (first === undefined || b < first)) first = b;
    if (first === undefined) return undefined;
    let end = first;
    while (end + 1 <= last && end + 1 - first < STEP_BUCKETS && !this.counted.has(end + 1)) end++;
    return [first, end];
  }

  /** Calls between services by child spans starting in [start, end] (inclusive). */
  links(query: DependencyQuery): Promise<DependencyLink[]> {
    const q = normalizeDependencyQuery(query);
    const from = clampNs(q.startTimeUnixNano);
    const to = clampNs(q.endTimeUnixNano);
    return this.exclusive(async () => {
      const con = this.con;
      // One snapshot for all the parts.
      await con.run('BEGIN TRANSACTION');
      try {
        return await this.linksIn(from, to);
      } finally {
        await con.run('COMMIT').catch(() => undefined);
      }
    });
  }

  private async linksIn(from: bigint, to: bigint): Promise<DependencyLink[]> {
    const con = this.con;
    const since = `grp > ${this.watermark}`;
    // Buckets written to since the watermark are joined afresh.
    const touched = new Set((await rows(con, `SELECT DISTINCT start_ns // ${BUCKET_NS} FROM spans WHERE ${since}`)).map((r) => Number(r[0])));
    const newSpans = touched.size > 0;
    // Counted buckets the range covers whole, as runs of consecutive buckets.
    const whole = [...this.counted.keys()]
      .filter((b) => !touched.has(b) && BigInt(b) * BUCKET_NS >= from && BigInt(b + 1) * BUCKET_NS - 1n <= to)
      .sort((a, b) => a - b);
    const ranges = toRanges(whole);
    const parts: Row[][] = [];
    if (ranges.length > 0) {
      const inCounted = inRanges('bucket', ranges);
      parts.push(await rows(con, `SELECT parent_op, child_op, sum(calls), sum(errors) FROM deps.dep_edges WHERE ${inCounted} GROUP BY parent_op, child_op`));
      if (newSpans) {
        const pending = `(SELECT d.trace_hi, d.trace_lo, d.span_id, p.op_id AS pop, d.op_id AS cop, d.status, p.start_ns AS pstart
          FROM deps.dep_pending d JOIN spans p ON p.trace_hi = d.trace_hi AND p.trace_lo = d.trace_lo AND p.span_id = d.parent_id
          WHERE ${inRanges('d.bucket', ranges)} AND p.${since})`;
        parts.push(await rows(con, `WITH ${SERVICE_OF} ${countEdges(pending, false)}`));
      }
    }
    // The rest of the range: joined as it is now.
    let at = from;
    const gaps: [bigint, bigint][] = [];
    for (const [a, b] of ranges) {
      const lo = BigInt(a) * BUCKET_NS;
      if (lo > at) gaps.push([at, lo - 1n]);
      at = BigInt(b + 1) * BUCKET_NS;
    }
    if (at <= to) gaps.push([at, to]);
    for (const [lo, hi] of gaps) parts.push(await rows(con, `WITH ${SERVICE_OF}, ${childEdges(lo, hi)} ${countEdges('found', false)}`));
    return this.toLinks(parts.flat());
  }

  private toLinks(found: Row[]): DependencyLink[] {
    const links = new Map<string, { parent: string; child: string; callCount: number; errorCount: number }>();
    for (const [ps, cs, calls, errors] of found) {
      const parent = this.dicts.ops[Number(ps)].service;
      const child = this.dicts.ops[Number(cs)].service;
      const key = `${parent}\x1f${child}`;
      let link = links.get(key);
      if (!link) links.set(key, (link = { parent, child, callCount: 0, errorCount: 0 }));
      link.callCount += Number(calls);
      link.errorCount += Number(errors);
    }
    return [...links.values()].sort((a, b) => cmp(a.parent, b.parent) || cmp(a.child, b.child));
  }
}

/** Sorted numbers as runs of consecutive ones. */
function toRanges(sorted: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] + 1 === b) last[1] = b;
    else out.push([b, b]);
  }
  return out;
}
