import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api';
import type { LogRecord, Span, SpanEvent, SpanLink, StatusCode } from '@tracelight/core';
import { anyValueToString } from '@tracelight/core';
import type {
  LogQuery,
  MetricsQuery,
  MetricsSeries,
  Operation,
  OperationQuery,
  Trace,
  TraceQuery,
  TraceRef,
  TraceSummary,
} from '@tracelight/store';
import {
  logQueryHasBadId,
  normalizeLogQuery,
  normalizeMetricsQuery,
  normalizeTraceIds,
  normalizeTraceQuery,
  summarizeTrace,
} from '@tracelight/store';
import type { Dictionaries } from './dictionaries.js';
import { SLOTS } from './dictionaries.js';
import { SLOT_COLUMNS } from './schema.js';
import type { Typed } from './value-codec.js';
import { attributesFromRun, attributesFromTyped, escapeField, fromText, fromTyped, searchPattern, unescapeField } from './value-codec.js';
import type { Extras } from './wire.js';
import type { WriterStats } from './writer.js';

const SPAN_SELECT = `trace_hi, trace_lo, span_id, parent_id, start_ns, duration_ns, op_id, resource_id, scope_id, status, flags,
  keyset_id, events, extras, seq, parent_ref, ${SLOT_COLUMNS.join(', ')}`;
/** Index of seq and of s0 in a row of SPAN_SELECT preceded by grp. */
const ROW_SEQ = 15;
const ROW_SLOT0 = 17;
const SUMMARY_SELECT = `trace_hi, trace_lo, span_id, parent_id, start_ns, duration_ns, op_id, status, seq, parent_ref`;
const SUMMARY_SEQ = 9;

/**
 * The parent span id (hex, '' for none) of each row of traceRows: `parent_id`, or the span
 * `parent_ref` rows back in the same group commit (`seq` at index `at`, parent_ref after it).
 */
function parentsOf(found: unknown[][], at: number): string[] {
  const bySeq = new Map<string, bigint>();
  for (const r of found) bySeq.set(`${r[0] as bigint}:${r[at] as number}`, r[3] as bigint);
  return found.map((r) => {
    const ref = r[at + 1] as number;
    if (ref === 0) return r[4] === null ? '' : hex16(r[4] as bigint);
    const parent = bySeq.get(`${r[0] as bigint}:${(r[at] as number) - ref}`);
    return parent === undefined ? '' : hex16(parent);
  });
}

/** A small pool of read connections: DuckDB runs queries of different connections in parallel. */
export class ConnectionPool {
  private readonly free: DuckDBConnection[];
  private readonly waiting: ((c: DuckDBConnection) => void)[] = [];

  constructor(connections: DuckDBConnection[]) {
    this.free = [...connections];
  }
  async use<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    const con = this.free.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(con);
    } finally {
      const next = this.waiting.shift();
      if (next) next(con);
      else this.free.push(con);
    }
  }
}

/** A query's rows as JS values. */
export async function rows(con: DuckDBConnection, sql: string, params?: DuckDBValue[]): Promise<unknown[][]> {
  return (await con.runAndReadAll(sql, params)).getRowsJS() as unknown[][];
}

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

const INDEX_LOOKUP = `SELECT grp FROM trace_index WHERE trace_lo = $1`;
const SPAN_LOOKUP = `SELECT grp, ${SPAN_SELECT} FROM spans WHERE grp = $1 AND trace_hi = $2 AND trace_lo = $3`;
const SUMMARY_LOOKUP = `SELECT grp, ${SUMMARY_SELECT} FROM spans WHERE grp = $1 AND trace_hi = $2 AND trace_lo = $3`;

/** Prepared statements per connection (a connection runs one query at a time: the pool sees to it). */
const preparedByConnection = new WeakMap<DuckDBConnection, Map<string, Promise<DuckDBPreparedStatement>>>();
function prepared(con: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let cache = preparedByConnection.get(con);
  if (!cache) preparedByConnection.set(con, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) {
    statement = con.prepare(sql);
    cache.set(sql, statement);
    statement.catch(() => cache.delete(sql));
  }
  return statement;
}

/** Traces fetched by one query of traceRows (the rest go to other connections in parallel). */
const TRACES_PER_QUERY = 10;

/** A filter on the group commits a trace's spans were written in: a range when they are close. */
function grpFilter(grps: bigint[]): string {
  if (grps.length === 1) return `grp = ${grps[0]}`;
  let min = grps[0];
  let max = grps[0];
  for (const g of grps) {
    if (g < min) min = g;
    if (g > max) max = g;
  }
  return max - min <= 64n ? `grp BETWEEN ${min} AND ${max}` : `grp IN (${grps.join(',')})`;
}

/** Rows of traceRows in order: by group commit, then by row (`seq`, at index `at`). */
function sortRows(found: unknown[][], at: number): unknown[][] {
  return found.sort((a, b) => {
    const ga = a[0] as bigint;
    const gb = b[0] as bigint;
    return ga < gb ? -1 : ga > gb ? 1 : (a[at] as number) - (b[at] as number);
  });
}

function splitTraceId(hex: string): [bigint, bigint] {
  return [BigInt('0x' + hex.slice(0, 16)), BigInt('0x' + hex.slice(16))];
}

/** The read side, run in the worker on its read connections. */
export class Reader {
  /** Ops that have spans stored; undefined until first needed or after a deletion. */
  private liveOps: Set<number> | undefined;

  private readonly pool: ConnectionPool;
  private readonly dicts: Dictionaries;
  private readonly writer: WriterStats;

  // No parameter properties: the worker runs from source with Node's type stripping.
  constructor(pool: ConnectionPool, dicts: Dictionaries, writer: WriterStats) {
    this.pool = pool;
    this.dicts = dicts;
    this.writer = writer;
  }

  /** A new op id was written: it is live. */
  noteOps(): void {
    if (this.liveOps) for (let id = 0; id < this.dicts.ops.length; id++) this.liveOps.add(id);
  }

  /** Data was deleted: recompute which ops still have spans when next asked. */
  forgetLiveOps(): void {
    this.liveOps = undefined;
  }

  private async live(): Promise<Set<number>> {
    if (!this.liveOps) {
      const ids = await this.pool.use((con) => rows(con, 'SELECT DISTINCT op_id FROM spans'));
      this.liveOps = new Set(ids.map((r) => Number(r[0])));
    }
    return this.liveOps;
  }

  async getServices(): Promise<string[]> {
    const live = await this.live();
    return [...new Set(this.dicts.ops.filter((o) => live.has(o.id)).map((o) => o.service))].sort();
  }

  async getOperations(query: OperationQuery): Promise<Operation[]> {
    const live = await this.live();
    return this.dicts.ops
      .filter((o) => live.has(o.id) && o.service === query.serviceName && (query.spanKind === undefined || o.kind === query.spanKind))
      .map((o) => ({ name: o.name, spanKind: o.kind }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind - b.spanKind));
  }

  /**
   * Rows of the given traces, ordered by group commit and row: the trace index (an ART lookup)
   * gives their group commits, then only the row groups of those are read (zone maps on `grp`).
   * No ORDER BY in SQL: sorting the few rows here costs less than DuckDB's sort (~1 ms of a ~4 ms
   * lookup at 1M spans). One trace written in one group commit, the common case, runs prepared
   * statements (no parse and plan per lookup).
   */
  private async traceRows(traceIds: string[], select: 'span' | 'summary'): Promise<unknown[][]> {
    if (traceIds.length === 0) return [];
    const keys = traceIds.map(splitTraceId);
    const columns = select === 'span' ? SPAN_SELECT : SUMMARY_SELECT;
    const seqAt = select === 'span' ? ROW_SEQ : SUMMARY_SEQ;
    if (keys.length === 1) {
      const [hi, lo] = keys[0];
      return this.pool.use(async (con) => {
        const index = await prepared(con, INDEX_LOOKUP);
        index.bindUBigInt(1, lo);
        const grps = (await index.runAndReadAll()).getRowsJS().map((r) => r[0] as bigint);
        if (grps.length === 0) return [];
        if (grps.length > 1) return sortRows(await rows(con, `SELECT grp, ${columns} FROM spans WHERE ${grpFilter(grps)} AND trace_hi = ${hi} AND trace_lo = ${lo}`), seqAt);
        const lookup = await prepared(con, select === 'span' ? SPAN_LOOKUP : SUMMARY_LOOKUP);
        lookup.bindUBigInt(1, grps[0]);
        lookup.bindUBigInt(2, hi);
        lookup.bindUBigInt(3, lo);
        return sortRows((await lookup.runAndReadAll()).getRowsJS() as unknown[][], seqAt);
      });
    }
    const los = [...new Set(keys.map(([, lo]) => lo))];
    const index = await this.pool.use((con) => rows(con, `SELECT trace_lo, grp FROM trace_index WHERE trace_lo IN (${los.map((lo) => `${lo}::UBIGINT`).join(',')})`));
    const grpsByLo = new Map<bigint, bigint[]>();
    for (const [lo, grp] of index as [bigint, bigint][]) {
      const grps = grpsByLo.get(lo);
      if (grps) grps.push(grp);
      else grpsByLo.set(lo, [grp]);
    }
    // One disjunct per trace with equality filters, which DuckDB pushes into the scan: only the
    // vectors holding a wanted trace are read. (IN lists over several traces were not pushed, and
    // read a whole vector of every column per group commit in range: 20 traces spread over a day
    // at 1M spans took 80-270 ms that way, ~50 ms like this; 20 traces of one group commit ~15-25
    // ms, where a UNION ALL of one SELECT per trace took 30-45.) Traces in group-commit order, in
    // batches that go to the pool's connections at once.
    const found = keys.flatMap(([hi, lo]) => {
      const grps = grpsByLo.get(lo);
      return grps ? [{ first: grps.reduce((a, b) => (a < b ? a : b)), filter: `(${grpFilter(grps)} AND trace_hi = ${hi} AND trace_lo = ${lo})` }] : [];
    });
    found.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    const batches: string[] = [];
    for (let i = 0; i < found.length; i += TRACES_PER_QUERY) {
      batches.push(`SELECT grp, ${columns} FROM spans WHERE ${found.slice(i, i + TRACES_PER_QUERY).map((t) => t.filter).join(' OR ')}`);
    }
    const parts = await Promise.all(batches.map((sql) => this.pool.use((con) => rows(con, sql))));
    return sortRows(parts.flat(), seqAt);
  }

  async getTraces(traceIds: readonly string[]): Promise<Trace[]> {
    const ids = normalizeTraceIds(traceIds);
    const found = await this.traceRows(ids, 'span');
    const parents = parentsOf(found, ROW_SEQ);
    const byTrace = new Map<string, Map<string, Span>>();
    for (let i = 0; i < found.length; i++) {
      const span = this.decodeSpan(found[i], parents[i]);
      let spans = byTrace.get(span.traceId);
      if (!spans) byTrace.set(span.traceId, (spans = new Map()));
      // Retried spans: the first copy stays.
      if (!spans.has(span.spanId)) spans.set(span.spanId, span);
    }
    return ids.flatMap((id) => {
      const spans = byTrace.get(id);
      return spans ? [{ traceId: id, spans: [...spans.values()] }] : [];
    });
  }

  async getTraceSummaries(traceIds: readonly string[]): Promise<TraceSummary[]> {
    const ids = normalizeTraceIds(traceIds);
    const found = await this.traceRows(ids, 'summary');
    const byTrace = new Map<string, unknown[][]>();
    const parents = parentsOf(found, SUMMARY_SEQ);
    const parentOf = new Map<unknown[], string>(found.map((r, i) => [r, parents[i]]));
    for (const r of found) {
      const id = hex16(r[1] as bigint) + hex16(r[2] as bigint);
      let list = byTrace.get(id);
      if (!list) byTrace.set(id, (list = []));
      list.push(r);
    }
    const out: TraceSummary[] = [];
    for (const id of ids) {
      const list = byTrace.get(id);
      if (!list) continue;
      const summary = summarizeTrace(
        id,
        list.map((r) => {
          const start = r[5] as bigint;
          const op = this.dicts.ops[Number(r[7])];
          return {
            spanId: hex16(r[3] as bigint),
            parentSpanId: parentOf.get(r)!,
            serviceName: op.service,
            name: op.name,
            startTimeUnixNano: start,
            endTimeUnixNano: start + (r[6] as bigint),
            statusCode: Number(r[8]),
          };
        }),
      );
      if (summary) out.push(summary);
    }
    return out;
  }

  async findTraceIds(query: TraceQuery): Promise<TraceRef[]> {
    const q = normalizeTraceQuery(query);
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const param = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.serviceName !== undefined || q.operationName !== undefined || q.spanKind !== undefined) {
      const live = await this.live();
      const ops = this.dicts.ops.filter(
        (o) =>
          live.has(o.id) &&
          (q.serviceName === undefined || o.service === q.serviceName) &&
          (q.operationName === undefined || o.name === q.operationName) &&
          (q.spanKind === undefined || o.kind === q.spanKind),
      );
      if (ops.length === 0) return [];
      where.push(`op_id IN (${ops.map((o) => o.id).join(',')})`);
    }
    if (q.errorOnly) where.push('status = 2');
    if (q.durationMinNano !== undefined) where.push(`duration_ns >= ${param(q.durationMinNano)}::BIGINT`);
    if (q.durationMaxNano !== undefined) where.push(`duration_ns <= ${param(q.durationMaxNano)}::BIGINT`);
    for (const f of q.attributes) {
      const parts: string[] = [];
      if (f.scope === 'span' || f.scope === 'any') {
        // Keysets by the place their key is in: a slot column, or an entry of the extras' `v`.
        const byPlace = new Map<number, number[]>();
        for (const ks of this.dicts.keysets) {
          for (const p of ks.places.get(f.key) ?? []) {
            const list = byPlace.get(p);
            if (list) list.push(ks.id);
            else byPlace.set(p, [ks.id]);
          }
        }
        if (byPlace.size > 0) {
          const v = param(escapeField(f.value));
          for (const [p, ids] of byPlace) {
            const column = p < SLOTS ? SLOT_COLUMNS[p] : `json_extract_string(extras, '$.v[${p - SLOTS}]')`;
            parts.push(`(keyset_id IN (${ids.join(',')}) AND ${column} = ${v})`);
          }
        }
      }
      if (f.scope === 'resource' || f.scope === 'any') {
        const ids = this.dicts.resources
          .filter((r) => r.resource.attributes.some((kv) => kv.key === f.key && anyValueToString(kv.value) === f.value))
          .map((r) => r.id);
        if (ids.length > 0) parts.push(`resource_id IN (${ids.join(',')})`);
      }
      // Only keys some event attribute has had: the others need not read the events at all.
      if ((f.scope === 'event' || f.scope === 'any') && this.dicts.eventKeys.has(f.key)) parts.push(`contains(events, ${param(searchPattern(f.key, f.value))})`);
      if (parts.length === 0) return [];
      where.push(`(${parts.join(' OR ')})`);
    }
    const lo = q.startTimeMinUnixNano ?? this.writer.minStart;
    const hi = q.startTimeMaxUnixNano ?? this.writer.maxStart;
    if (lo > hi) return [];
    const conditions = where.map((w) => `AND ${w}`).join(' ');
    const run = (from: bigint, to: bigint, limit: number) => {
      const sql = `SELECT trace_hi, trace_lo, max(start_ns) AS s FROM spans
        WHERE start_ns >= ${from} AND start_ns ${to === hi ? '<=' : '<'} ${to} ${conditions}
        GROUP BY trace_hi, trace_lo ORDER BY s DESC, trace_hi, trace_lo LIMIT ${limit}`;
      return this.pool.use((con) => rows(con, sql, params));
    };
    // Most recent first: look in a recent slice of time, then in slices further back (each 4x
    // wider) only while too few traces were found. A trace first found in a slice has its latest
    // matching span there, and every trace found in a newer slice is more recent, so slices are
    // read once each and their hits appended in order.
    const found = new Map<string, bigint>();
    let width = (hi - lo) / 64n;
    if (width < 60_000_000_000n) width = 60_000_000_000n;
    for (let to = hi; ; width *= 4n) {
      const from = to - width <= lo ? lo : to - width;
      for (const r of await run(from, to, q.limit + found.size)) {
        const traceId = hex16(r[0] as bigint) + hex16(r[1] as bigint);
        if (!found.has(traceId) && found.size < q.limit) found.set(traceId, r[2] as bigint);
      }
      if (found.size >= q.limit || from === lo) break;
      to = from;
    }
    return [...found].map(([traceId, startTimeUnixNano]) => ({ traceId, startTimeUnixNano }));
  }

  async getMetrics(query: MetricsQuery): Promise<MetricsSeries[]> {
    const q = normalizeMetricsQuery(query);
    const where = [`start_ns >= $1::BIGINT`, `start_ns < $2::BIGINT`];
    if (q.serviceNames.length > 0 || q.spanKinds.length > 0) {
      const services = new Set(q.serviceNames);
      const kinds = new Set<number>(q.spanKinds);
      const ops = this.dicts.ops.filter((o) => (services.size === 0 || services.has(o.service)) && (kinds.size === 0 || kinds.has(o.kind)));
      if (ops.length === 0) return [];
      where.push(`op_id IN (${ops.map((o) => o.id).join(',')})`);
    }
    // Quantiles cannot be merged afterwards, so group by service (and name) in SQL, through ops.
    const group = q.groupByOperation ? 'o.service, o.name' : 'o.service';
    const sql = `SELECT ${group}, (start_ns - $1::BIGINT) // $3::BIGINT AS k, count(*), count(*) FILTER (WHERE status = 2),
        quantile_cont(duration_ns::DOUBLE, [${q.quantiles.map((x) => Number(x)).join(',')}])
      FROM spans JOIN ops o USING (op_id) WHERE ${where.join(' AND ')} GROUP BY ALL`;
    const found = await this.pool.use((con) => rows(con, sql, [q.startTimeUnixNano, q.endTimeUnixNano, q.stepNano]));
    const series = new Map<string, MetricsSeries>();
    for (const r of found) {
      const service = unescapeField(String(r[0]));
      const name = q.groupByOperation ? unescapeField(String(r[1])) : undefined;
      const [k, calls, errors, quantiles] = r.slice(q.groupByOperation ? 2 : 1);
      const key = name === undefined ? service : `${service}\x1f${name}`;
      let s = series.get(key);
      if (!s) series.set(key, (s = name === undefined ? { serviceName: service, points: [] } : { serviceName: service, operationName: name, points: [] }));
      s.points.push({
        timeUnixNano: q.startTimeUnixNano + (k as bigint) * q.stepNano,
        callCount: Number(calls),
        errorCount: Number(errors),
        latencyQuantilesNano: (quantiles as number[]).map(Number),
      });
    }
    const out = [...series.values()];
    for (const s of out) s.points.sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : 1));
    return out.sort((a, b) => cmp(a.serviceName, b.serviceName) || cmp(a.operationName ?? '', b.operationName ?? ''));
  }

  async findLogs(query: LogQuery): Promise<LogRecord[]> {
    const q = normalizeLogQuery(query);
    if (logQueryHasBadId(q)) return [];
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const param = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.traceId !== undefined) where.push(`trace_id = ${param(q.traceId.toLowerCase())}`);
    if (q.spanId !== undefined) where.push(`span_id = ${param(q.spanId.toLowerCase())}`);
    if (q.serviceName !== undefined) where.push(`service = ${param(escapeField(q.serviceName))}`);
    if (q.severityNumberMin !== undefined) where.push(`severity >= ${Math.max(0, Math.floor(q.severityNumberMin))}`);
    if (q.startTimeMinUnixNano !== undefined) where.push(`time_ns >= ${param(q.startTimeMinUnixNano)}::BIGINT`);
    if (q.startTimeMaxUnixNano !== undefined) where.push(`time_ns <= ${param(q.startTimeMaxUnixNano)}::BIGINT`);
    if (q.text !== undefined) where.push(`contains(lower(body), ${param(escapeField(q.text).toLowerCase())})`);
    const sql = `SELECT ts_ns, observed_ns, severity, severity_text, body, body_type, attrs, dropped_attrs, flags, trace_id, span_id,
        event_name, resource_id, scope_id FROM logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY time_ns DESC, grp DESC, rowid DESC LIMIT ${q.limit}`;
    const found = await this.pool.use((con) => rows(con, sql, params));
    return found.map((r) => {
      const bodyType = String(r[5]);
      const code = bodyType.charAt(0);
      return {
        timeUnixNano: r[0] as bigint,
        observedTimeUnixNano: r[1] as bigint,
        severityNumber: Number(r[2]),
        severityText: unescapeField(String(r[3] ?? '')),
        body: code === 'a' || code === 'k' ? fromTyped(JSON.parse(bodyType.slice(1)) as Typed) : fromText(unescapeField(String(r[4])), code),
        attributes: attributesFromTyped(JSON.parse(String(r[6])) as [string, Typed][]),
        droppedAttributesCount: Number(r[7]),
        flags: Number(r[8]),
        traceId: String(r[9] ?? ''),
        spanId: String(r[10] ?? ''),
        eventName: unescapeField(String(r[11] ?? '')),
        resource: this.dicts.resources[Number(r[12])].resource,
        scope: this.dicts.scopes[Number(r[13])],
      };
    });
  }

  private decodeSpan(r: unknown[], parentSpanId: string): Span {
    // r[0] is grp.
    const start = r[5] as bigint;
    const op = this.dicts.ops[Number(r[7])];
    const keyset = this.dicts.keysets[Number(r[12])];
    const extras = r[14] === null ? NO_EXTRAS : (JSON.parse(r[14] as string) as Extras);
    let c = 0;
    const attributes = keyset.keys.map((key, i) => {
      const code = keyset.codes.charAt(i);
      if (code === 'a' || code === 'k') return { key, value: fromTyped(extras.c![c++]) };
      const slot = keyset.slots[i];
      const text = slot < SLOTS ? (r[ROW_SLOT0 + slot] as string) : extras.v![slot - SLOTS];
      return { key, value: fromText(unescapeField(text), code) };
    });
    return {
      traceId: hex16(r[1] as bigint) + hex16(r[2] as bigint),
      spanId: hex16(r[3] as bigint),
      parentSpanId,
      traceState: extras.t ?? '',
      flags: Number(r[11]),
      name: op.name,
      kind: op.kind,
      startTimeUnixNano: BigInt.asUintN(64, start),
      endTimeUnixNano: BigInt.asUintN(64, start + (r[6] as bigint)),
      attributes,
      droppedAttributesCount: extras.a ?? 0,
      events: r[13] === null ? [] : decodeEvents(r[13] as string, start),
      droppedEventsCount: extras.e ?? 0,
      links: extras.k ? decodeLinks(extras.k) : [],
      droppedLinksCount: extras.l ?? 0,
      status: { code: Number(r[10]) as StatusCode, message: extras.m ?? '' },
      resource: this.dicts.resources[Number(r[8])].resource,
      scope: this.dicts.scopes[Number(r[9])],
    };
  }
}

const NO_EXTRAS: Extras = Object.freeze({});

function decodeEvents(text: string, start: bigint): SpanEvent[] {
  const out: SpanEvent[] = [];
  for (const part of text.split('\x1c')) {
    if (part === '') continue;
    const a = part.indexOf('\x1d');
    const b = part.indexOf('\x1d', a + 1);
    const runAt = part.indexOf('\x1f', b + 1);
    const dropped = runAt < 0 ? part.slice(b + 1) : part.slice(b + 1, runAt);
    out.push({
      timeUnixNano: BigInt.asUintN(64, start + BigInt(part.slice(0, a))),
      name: unescapeField(part.slice(a + 1, b)),
      attributes: runAt < 0 ? [] : attributesFromRun(part.slice(runAt)),
      droppedAttributesCount: Number(dropped),
    });
  }
  return out;
}

function decodeLinks(links: NonNullable<Extras['k']>): SpanLink[] {
  return links.map(([traceId, spanId, traceState, flags, dropped, attributes]) => ({
    traceId,
    spanId,
    traceState,
    flags,
    droppedAttributesCount: dropped,
    attributes: attributesFromTyped(attributes),
  }));
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
