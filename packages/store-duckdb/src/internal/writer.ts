import type { DuckDBAppender, DuckDBConnection, DuckDBListValue, DuckDBType } from '@duckdb/node-api';
import { BIGINT, DuckDBDataChunk, LIST, listValue, UBIGINT, UINTEGER, UTINYINT, VARCHAR } from '@duckdb/node-api';
import type { AnyValue, SpanKind } from '@tracelight/core';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from '@tracelight/core';
import type { DedupWindow } from './dedup-window.js';
import type { Dictionaries } from './dictionaries.js';
import { escapeField, runEntry, textOf, toTyped, typeCodeOf } from './value-codec.js';
import type { LogWire, SpanWire } from './wire.js';
import { encodeLinks, encodeResource, encodeScope, INTS_PER_SPAN } from './wire.js';

/** Column types of `spans`, in SPAN_COLUMNS order. */
const SPAN_TYPES: DuckDBType[] = [
  UBIGINT, UBIGINT, UBIGINT, UBIGINT, UBIGINT, BIGINT, BIGINT, UINTEGER, UINTEGER, UINTEGER,
  UTINYINT, UINTEGER, UINTEGER, UINTEGER, UINTEGER, UINTEGER, LIST(VARCHAR), VARCHAR,
  VARCHAR, VARCHAR, VARCHAR, VARCHAR,
];
const CHUNK_ROWS = 2048;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

export interface WriteJob {
  readonly wire: SpanWire | LogWire;
  readonly kind: 'spans' | 'logs';
  /** Spans or records in it (for the group size). */
  readonly size: number;
  done(error?: unknown): void;
}

export interface WriterOptions {
  /** A group commit takes queued writes up to about this many spans. */
  readonly maxGroupSpans: number;
}

export interface WriterStats {
  /** Latest span start written (ns), 0 before any. */
  maxStart: bigint;
  minStart: bigint;
  duplicatesSkipped: number;
  groups: number;
  spansWritten: number;
  /** Milliseconds spent building rows and appending (this thread), and waiting for COMMIT (DuckDB's threads). */
  appendMs: number;
  commitMs: number;
}

/**
 * Group commit: writes queue up while a commit runs; the next commit takes all of them (up to
 * `maxGroupSpans`) in one transaction, and each write's promise settles when that transaction
 * has committed (DuckDB syncs its WAL on commit). Appends are in-memory and synchronous; the
 * COMMIT, with its WAL sync and any automatic checkpoint, runs on DuckDB's threads, so this
 * worker keeps answering reads meanwhile.
 */
export class GroupWriter {
  private readonly queue: WriteJob[] = [];
  private committing = false;
  private idle: (() => void)[] = [];
  private nextGrp: bigint;
  readonly stats: WriterStats = { maxStart: 0n, minStart: 0n, duplicatesSkipped: 0, groups: 0, spansWritten: 0, appendMs: 0, commitMs: 0 };

  private readonly con: DuckDBConnection;
  private readonly spansAppender: DuckDBAppender;
  private readonly indexAppender: DuckDBAppender;
  private readonly logsAppender: DuckDBAppender;
  private readonly dicts: Dictionaries;
  private readonly dedup: DedupWindow;
  private readonly options: WriterOptions;

  // No parameter properties: the worker runs from source with Node's type stripping.
  private constructor(parts: {
    con: DuckDBConnection;
    spansAppender: DuckDBAppender;
    indexAppender: DuckDBAppender;
    logsAppender: DuckDBAppender;
    dicts: Dictionaries;
    dedup: DedupWindow;
    options: WriterOptions;
    firstGrp: bigint;
  }) {
    this.con = parts.con;
    this.spansAppender = parts.spansAppender;
    this.indexAppender = parts.indexAppender;
    this.logsAppender = parts.logsAppender;
    this.dicts = parts.dicts;
    this.dedup = parts.dedup;
    this.options = parts.options;
    this.nextGrp = parts.firstGrp;
  }

  static async create(con: DuckDBConnection, dicts: Dictionaries, dedup: DedupWindow, options: WriterOptions): Promise<GroupWriter> {
    const [[maxGrp, minStart, maxStart]] = (
      await con.runAndReadAll(`SELECT greatest((SELECT max(grp) FROM spans), (SELECT max(grp) FROM logs)), (SELECT min(start_ns) FROM spans), (SELECT max(start_ns) FROM spans)`)
    ).getRowsJS();
    const writer = new GroupWriter({
      con,
      spansAppender: await con.createAppender('spans'),
      indexAppender: await con.createAppender('trace_index'),
      logsAppender: await con.createAppender('logs'),
      dicts,
      dedup,
      options,
      firstGrp: maxGrp === null ? 1n : (maxGrp as bigint) + 1n,
    });
    writer.stats.minStart = (minStart as bigint | null) ?? 0n;
    writer.stats.maxStart = (maxStart as bigint | null) ?? 0n;
    return writer;
  }

  enqueue(job: WriteJob): void {
    this.queue.push(job);
    if (!this.committing) void this.commitLoop();
  }

  /** Resolves once every queued write is committed. */
  drain(): Promise<void> {
    if (!this.committing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    for (const a of [this.spansAppender, this.indexAppender, this.logsAppender]) {
      try {
        a.closeSync();
      } catch {
        // Nothing was left in it: every group flushes before it commits.
      }
    }
  }

  private async commitLoop(): Promise<void> {
    this.committing = true;
    while (this.queue.length > 0) {
      const group: WriteJob[] = [];
      let size = 0;
      while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0].size <= this.options.maxGroupSpans)) {
        const job = this.queue.shift()!;
        group.push(job);
        size += job.size;
      }
      await this.commitGroup(group);
    }
    this.committing = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private async commitGroup(group: WriteJob[]): Promise<void> {
    const grp = this.nextGrp++;
    let began = false;
    try {
      await this.con.run('BEGIN TRANSACTION');
      began = true;
      const t0 = performance.now();
      // Dictionary ids are assigned while appending, so appends come first; their rows join the
      // same transaction.
      const index = new Map<bigint, bigint>();
      const spanRows: SpanRows = newSpanRows();
      for (const job of group) {
        if (job.kind === 'spans') this.collectSpans(job.wire as SpanWire, grp, spanRows, index);
        else this.appendLogs(job.wire as LogWire, grp);
      }
      this.flushSpanRows(spanRows);
      for (const [traceId, maxStart] of index) {
        this.indexAppender.appendUHugeInt(traceId);
        this.indexAppender.appendUBigInt(grp);
        this.indexAppender.appendBigInt(maxStart);
        this.indexAppender.endRow();
      }
      this.spansAppender.flushSync();
      this.indexAppender.flushSync();
      this.logsAppender.flushSync();
      const t1 = performance.now();
      await this.dicts.writePending(this.con);
      await this.con.run('COMMIT');
      this.dicts.commit();
      this.stats.groups++;
      this.stats.appendMs += t1 - t0;
      this.stats.commitMs += performance.now() - t1;
      for (const job of group) if (job.kind === 'spans') this.stats.spansWritten += job.size;
      for (const job of group) job.done();
    } catch (error) {
      this.dicts.rollback();
      for (const a of [this.spansAppender, this.indexAppender, this.logsAppender]) a.clear();
      if (began) await this.con.run('ROLLBACK').catch(() => undefined);
      for (const job of group) job.done(error);
    }
  }

  private collectSpans(wire: SpanWire, grp: bigint, rows: SpanRows, index: Map<bigint, bigint>): void {
    const dicts = this.dicts;
    const resourceIds = wire.resources.map((r) => dicts.resource(encodeResource(r)));
    const scopeIds = wire.scopes.map((s) => dicts.scope(encodeScope(s)));
    const tv = new DataView(wire.traceId.buffer, wire.traceId.byteOffset, wire.traceId.byteLength);
    const sv = new DataView(wire.spanId.buffer, wire.spanId.byteOffset, wire.spanId.byteLength);
    const pv = new DataView(wire.parentSpanId.buffer, wire.parentSpanId.byteOffset, wire.parentSpanId.byteLength);
    const links = new Map(wire.links);
    const { attrs, events } = wire;
    let a = 0;
    let e = 0;
    let lastHi = -1n;
    let lastLo = -1n;
    let lastKey = 0n;
    for (let i = 0; i < wire.n; i++) {
      const k = i * INTS_PER_SPAN;
      const attrCount = wire.ints[k + 8];
      const eventCount = wire.ints[k + 9];
      const attrFrom = a;
      a += 2 * attrCount;
      const eventFrom = e;
      for (let j = 0; j < eventCount; j++) e += 4 + 2 * (events[e + 3] as number);
      if (this.dedup.seen(wire.traceId, i * 16, wire.spanId, i * 8)) {
        this.stats.duplicatesSkipped++;
        continue;
      }
      const hi = tv.getBigUint64(i * 16);
      const lo = tv.getBigUint64(i * 16 + 8);
      const rawStart = wire.start[i];
      const start = clamp(rawStart);
      const keys: string[] = new Array(attrCount);
      const values: string[] = new Array(attrCount);
      let codes = '';
      let complex: string[] | undefined;
      for (let j = 0; j < attrCount; j++) {
        const value = attrs[attrFrom + 2 * j + 1] as AnyValue;
        const code = typeCodeOf(value);
        keys[j] = attrs[attrFrom + 2 * j] as string;
        values[j] = escapeField(textOf(value));
        codes += code;
        if (code === 'a' || code === 'k') (complex ??= []).push(JSON.stringify(toTyped(value)));
      }
      let eventText: string | null = null;
      if (eventCount > 0) {
        eventText = '';
        for (let j = 0, x = eventFrom; j < eventCount; j++) {
          const n = events[x + 3] as number;
          eventText += `\x1c${(events[x] as bigint) - rawStart}\x1d${escapeField(events[x + 1] as string)}\x1d${events[x + 2] as number}`;
          x += 4;
          if (n > 0) {
            for (let m = 0; m < n; m++, x += 2) eventText += runEntry(events[x] as string, events[x + 1] as AnyValue);
            eventText += '\x1f';
          }
        }
      }
      const resource = resourceIds[wire.ints[k + 3]] ?? resourceIds[0] ?? dicts.resource(encodeResource(EMPTY_RESOURCE));
      const spanLinks = links.get(i);
      rows.grp.push(grp);
      rows.traceHi.push(hi);
      rows.traceLo.push(lo);
      rows.spanId.push(sv.getBigUint64(i * 8));
      rows.parentId.push(pv.getBigUint64(i * 8));
      rows.start.push(start);
      rows.duration.push(clamp(wire.end[i] - rawStart));
      rows.op.push(dicts.op(dicts.resources[resource].service, wire.name[i], wire.ints[k + 1] as SpanKind));
      rows.resource.push(resource);
      rows.scope.push(scopeIds[wire.ints[k + 4]] ?? scopeIds[0] ?? dicts.scope(encodeScope(EMPTY_SCOPE)));
      rows.status.push(wire.ints[k + 2]);
      rows.flags.push(wire.ints[k]);
      rows.droppedAttrs.push(wire.ints[k + 5]);
      rows.droppedEvents.push(wire.ints[k + 6]);
      rows.droppedLinks.push(wire.ints[k + 7]);
      rows.keyset.push(dicts.keyset(codes, keys));
      rows.values.push(listValue(values));
      rows.complex.push(complex ? JSON.stringify(complex) : null);
      rows.statusMessage.push(nullIfEmpty(escapeField(wire.statusMessage[i])));
      rows.traceState.push(nullIfEmpty(escapeField(wire.traceState[i])));
      rows.events.push(eventText);
      rows.links.push(spanLinks ? encodeLinks(spanLinks) : null);
      if (start > this.stats.maxStart) this.stats.maxStart = start;
      if (start < this.stats.minStart || this.stats.minStart === 0n) this.stats.minStart = start;
      if (hi !== lastHi || lo !== lastLo) {
        lastHi = hi;
        lastLo = lo;
        lastKey = (hi << 64n) | lo;
      }
      const prev = index.get(lastKey);
      if (prev === undefined || start > prev) index.set(lastKey, start);
      if (rows.grp.length === CHUNK_ROWS) this.flushSpanRows(rows);
    }
  }

  private flushSpanRows(rows: SpanRows): void {
    const n = rows.grp.length;
    if (n === 0) return;
    const chunk = DuckDBDataChunk.create(SPAN_TYPES, n);
    const columns: unknown[][] = [
      rows.grp, rows.traceHi, rows.traceLo, rows.spanId, rows.parentId, rows.start, rows.duration, rows.op, rows.resource, rows.scope,
      rows.status, rows.flags, rows.droppedAttrs, rows.droppedEvents, rows.droppedLinks, rows.keyset, rows.values, rows.complex,
      rows.statusMessage, rows.traceState, rows.events, rows.links,
    ];
    for (let col = 0; col < columns.length; col++) {
      const vector = chunk.getColumnVector(col) as unknown as { setItem(i: number, v: unknown): void; flush(): void };
      const values = columns[col];
      for (let i = 0; i < n; i++) vector.setItem(i, values[i]);
      vector.flush();
    }
    this.spansAppender.appendDataChunk(chunk);
    Object.assign(rows, newSpanRows());
  }

  private appendLogs(wire: LogWire, grp: bigint): void {
    const a = this.logsAppender;
    const resourceIds = wire.resources.map((r) => this.dicts.resource(encodeResource(r)));
    const scopeIds = wire.scopes.map((s) => this.dicts.scope(encodeScope(s)));
    for (const r of wire.records) {
      const resource = resourceIds[r.resource] ?? this.dicts.resource(encodeResource(EMPTY_RESOURCE));
      a.appendUBigInt(grp);
      a.appendBigInt(clamp(r.time));
      a.appendBigInt(clamp(r.timeUnixNano));
      a.appendBigInt(clamp(r.observedTimeUnixNano));
      a.appendUTinyInt(r.severityNumber & 0xff);
      a.appendVarchar(escapeField(r.severityText));
      a.appendVarchar(escapeField(this.dicts.resources[resource].service));
      a.appendVarchar(escapeField(r.bodyText));
      a.appendVarchar(r.bodyType);
      a.appendVarchar(r.attributes);
      a.appendUInteger(r.droppedAttributesCount);
      a.appendUInteger(r.flags);
      a.appendVarchar(r.traceId);
      a.appendVarchar(r.spanId);
      a.appendVarchar(escapeField(r.eventName));
      a.appendUInteger(resource);
      a.appendUInteger(scopeIds[r.scope] ?? this.dicts.scope(encodeScope(EMPTY_SCOPE)));
      a.endRow();
    }
  }
}

interface SpanRows {
  grp: bigint[];
  traceHi: bigint[];
  traceLo: bigint[];
  spanId: bigint[];
  parentId: bigint[];
  start: bigint[];
  duration: bigint[];
  op: number[];
  resource: number[];
  scope: number[];
  status: number[];
  flags: number[];
  droppedAttrs: number[];
  droppedEvents: number[];
  droppedLinks: number[];
  keyset: number[];
  values: DuckDBListValue[];
  complex: (string | null)[];
  statusMessage: (string | null)[];
  traceState: (string | null)[];
  events: (string | null)[];
  links: (string | null)[];
}

function newSpanRows(): SpanRows {
  return {
    grp: [], traceHi: [], traceLo: [], spanId: [], parentId: [], start: [], duration: [], op: [], resource: [], scope: [],
    status: [], flags: [], droppedAttrs: [], droppedEvents: [], droppedLinks: [], keyset: [], values: [], complex: [],
    statusMessage: [], traceState: [], events: [], links: [],
  };
}

/** Times past 2262 (or negative durations beyond int64) do not fit BIGINT: clamp, do not crash. */
function clamp(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

function nullIfEmpty(s: string): string | null {
  return s === '' ? null : s;
}
