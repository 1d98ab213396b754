import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { SpanKind } from '@tracelight/core';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from '@tracelight/core';
import type { DedupWindow } from './dedup-window.js';
import { SpanChunk, swap8 } from './span-chunk.js';
import type { Dictionaries, KeysetEntry } from './dictionaries.js';
import { SLOTS } from './dictionaries.js';
import { escapeField } from './value-codec.js';
import type { Extras, LogWire, SpanWire } from './wire.js';
import {
  encodeResource,
  encodeScope,
  I_ATTRS,
  I_FLAGS,
  I_KEYSET,
  I_OP,
  I_RESOURCE,
  I_SCOPE,
  I_STATUS,
  INTS_PER_SPAN,
  STRINGS_PER_SPAN,
} from './wire.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();
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

/** A writer connection with its appenders; groups alternate between two of them. */
interface Lane {
  readonly con: DuckDBConnection;
  readonly spans: DuckDBAppender;
  readonly index: DuckDBAppender;
  readonly logs: DuckDBAppender;
}

async function openLane(con: DuckDBConnection): Promise<Lane> {
  return { con, spans: await con.createAppender('spans'), index: await con.createAppender('trace_index'), logs: await con.createAppender('logs') };
}

/**
 * Group commit: writes queue up while a commit runs; the next group takes all of them (up to
 * `maxGroupSpans`) into one transaction, and each write's promise settles when that transaction
 * has committed (DuckDB syncs its WAL on commit). Appends are in-memory and synchronous; COMMIT,
 * with its WAL sync and any automatic checkpoint, runs on DuckDB's threads. Two connections take
 * turns so that the next group is built while the previous one commits; commits stay in order,
 * and a group whose predecessor failed fails too (it may use dictionary entries the failed one
 * would have written).
 */
export class GroupWriter {
  private readonly queue: WriteJob[] = [];
  private committing = false;
  private idle: (() => void)[] = [];
  private nextGrp: bigint;
  private readonly lanes: readonly Lane[];
  private readonly dicts: Dictionaries;
  private readonly dedup: DedupWindow;
  private readonly options: WriterOptions;
  /** Appender of the lane being built (collectSpans appends full chunks as it goes). */
  private spansAppender: DuckDBAppender;
  readonly stats: WriterStats = { maxStart: 0n, minStart: 0n, duplicatesSkipped: 0, groups: 0, spansWritten: 0, appendMs: 0, commitMs: 0 };

  // No parameter properties: the worker runs from source with Node's type stripping.
  private constructor(parts: { lanes: Lane[]; dicts: Dictionaries; dedup: DedupWindow; options: WriterOptions; firstGrp: bigint }) {
    this.lanes = parts.lanes;
    this.dicts = parts.dicts;
    this.dedup = parts.dedup;
    this.options = parts.options;
    this.nextGrp = parts.firstGrp;
    this.spansAppender = parts.lanes[0].spans;
  }

  static async create(cons: readonly DuckDBConnection[], dicts: Dictionaries, dedup: DedupWindow, options: WriterOptions): Promise<GroupWriter> {
    const [[maxGrp, minStart, maxStart]] = (
      await cons[0].runAndReadAll(`SELECT greatest((SELECT max(grp) FROM spans), (SELECT max(grp) FROM logs)), (SELECT min(start_ns) FROM spans), (SELECT max(start_ns) FROM spans)`)
    ).getRowsJS();
    const lanes = await Promise.all(cons.map(openLane));
    const writer = new GroupWriter({ lanes, dicts, dedup, options, firstGrp: maxGrp === null ? 1n : (maxGrp as bigint) + 1n });
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
    for (const lane of this.lanes) {
      for (const a of [lane.spans, lane.index, lane.logs]) {
        try {
          a.closeSync();
        } catch {
          // Nothing was left in it: every group flushes before it commits.
        }
      }
    }
  }

  private takeGroup(): WriteJob[] {
    const group: WriteJob[] = [];
    let size = 0;
    while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0].size <= this.options.maxGroupSpans)) {
      const job = this.queue.shift()!;
      group.push(job);
      size += job.size;
    }
    return group;
  }

  private async commitLoop(): Promise<void> {
    this.committing = true;
    let previous: Promise<boolean> | undefined;
    const laneBusy: (Promise<boolean> | undefined)[] = this.lanes.map(() => undefined);
    let turn = 0;
    while (this.queue.length > 0 || previous) {
      if (this.queue.length === 0) {
        await previous;
        previous = undefined;
        continue;
      }
      const l = turn++ % this.lanes.length;
      // A lane takes a new group once its last one has committed; the other lane's may still be.
      await laneBusy[l];
      const group = this.takeGroup();
      if (group.length === 0) continue;
      const lane = this.lanes[l];
      const built = await this.build(lane, group);
      const before = previous;
      previous = laneBusy[l] = (async () => this.finish(lane, group, built, before ? await before : true))();
    }
    this.committing = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** BEGIN, appends, flush, dictionary rows: everything but COMMIT. */
  private async build(lane: Lane, group: WriteJob[]): Promise<{ token?: object; error?: unknown; began: boolean; ms: number }> {
    const grp = this.nextGrp++;
    let began = false;
    try {
      await lane.con.run('BEGIN TRANSACTION');
      began = true;
      const t0 = performance.now();
      this.spansAppender = lane.spans;
      this.seq = 0;
      const index = new Map<bigint, bigint>();
      const chunk = new SpanChunk();
      let slice = performance.now();
      for (const job of group) {
        if (job.kind === 'spans') this.collectSpans(job.wire as SpanWire, grp, chunk, index);
        else this.appendLogs(lane.logs, job.wire as LogWire, grp);
        // Let read requests in every few ms: they run on other connections meanwhile.
        if (performance.now() - slice > 5) {
          await new Promise((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
      }
      if (chunk.rows > 0) lane.spans.appendDataChunk(chunk.take(grp));
      for (const [traceLo, maxStart] of index) {
        if (maxStart > this.stats.maxStart) this.stats.maxStart = maxStart;
        lane.index.appendUBigInt(traceLo);
        lane.index.appendUBigInt(grp);
        lane.index.appendBigInt(maxStart);
        lane.index.endRow();
      }
      lane.spans.flushSync();
      lane.index.flushSync();
      lane.logs.flushSync();
      const ms = performance.now() - t0;
      return { token: await this.dicts.writePending(lane.con), began, ms };
    } catch (error) {
      return { error, began, ms: 0 };
    }
  }

  private async finish(lane: Lane, group: WriteJob[], built: { token?: object; error?: unknown; began: boolean; ms: number }, previousOk: boolean): Promise<boolean> {
    let error: unknown = built.error ?? (previousOk ? undefined : new Error('an earlier group commit failed'));
    if (error === undefined) {
      const t1 = performance.now();
      try {
        await lane.con.run('COMMIT');
        this.dicts.commitOldest();
        this.stats.groups++;
        this.stats.appendMs += built.ms;
        this.stats.commitMs += performance.now() - t1;
        for (const job of group) if (job.kind === 'spans') this.stats.spansWritten += job.size;
        for (const job of group) job.done();
        return true;
      } catch (e) {
        error = e;
      }
    }
    this.dicts.rollback(built.token);
    this.forgetWireIds();
    for (const a of [lane.spans, lane.index, lane.logs]) a.clear();
    if (built.began) await lane.con.run('ROLLBACK').catch(() => undefined);
    for (const job of group) job.done(error);
    return false;
  }

  /** Stored dictionary ids of the main thread's wire ids (see WireDictionary); -1 or absent: not resolved yet. */
  private readonly wireKeysets: { codes: string; keys: readonly string[]; id: number }[] = [];
  private readonly wireOps: { service: string; name: string; kind: SpanKind; id: number }[] = [];

  /** After a rollback, the entries it forgot may be behind wire ids: resolve them all again. */
  private forgetWireIds(): void {
    for (const k of this.wireKeysets) if (k) k.id = -1;
    for (const o of this.wireOps) if (o) o.id = -1;
  }

  private collectSpans(wire: SpanWire, grp: bigint, chunk: SpanChunk, index: Map<bigint, bigint>): void {
    const dicts = this.dicts;
    const stats = this.stats;
    for (const [id, codes, keys] of wire.newKeysets) this.wireKeysets[id] = { codes, keys, id: -1 };
    for (const [id, service, name, kind] of wire.newOps) this.wireOps[id] = { service, name, kind, id: -1 };
    for (const key of wire.eventKeys) dicts.eventKey(key);
    const resourceIds = wire.resources.map((r) => dicts.resource(encodeResource(r)));
    const scopeIds = wire.scopes.map((s) => dicts.scope(encodeScope(s)));
    const startWords = new Uint32Array(wire.start.buffer, wire.start.byteOffset, wire.n * 2);
    const endWords = new Uint32Array(wire.end.buffer, wire.end.byteOffset, wire.n * 2);
    const tv = new DataView(wire.traceId.buffer, wire.traceId.byteOffset, wire.traceId.byteLength);
    const { ints, traceId, text, ends } = wire;
    let str = 0;
    let minHi = Infinity;
    let minLo = 0;
    // The current run of spans of one trace (spans of a trace usually come together): its
    // index entry is updated once per run, with the run's latest start.
    let runFrom = -1;
    let runHi = 0;
    let runLo = 0;
    const endRun = () => {
      if (runFrom < 0) return;
      // Keyed by the low half of the trace id (see trace_index in schema.ts).
      const key = tv.getBigUint64(runFrom * 16 + 8);
      const start = (BigInt(runHi) << 32n) | BigInt(runLo);
      const prev = index.get(key);
      if (prev === undefined || start > prev) index.set(key, start);
      runFrom = -1;
    };
    // First pass: retried spans out, a sequence number for each row, and the rows by span id,
    // so that a parent in the same batch is stored as a small distance (parent_ref) instead of
    // its 8-byte id.
    const n = wire.n;
    const seqOf = new Int32Array(n).fill(-1);
    const byId = this.spanTable(n);
    const mask = byId.length - 1;
    const spanWords = new Uint32Array(wire.spanId.buffer, wire.spanId.byteOffset, n * 2);
    const parentWords = new Uint32Array(wire.parentSpanId.buffer, wire.parentSpanId.byteOffset, n * 2);
    for (let i = 0; i < n; i++) {
      if (this.dedup.seen(traceId, i * 16, wire.spanId, i * 8)) {
        stats.duplicatesSkipped++;
        continue;
      }
      seqOf[i] = this.seq++;
      for (let h = spanWords[2 * i + 1] & mask; ; h = (h + 1) & mask) {
        if (byId[h] < 0) {
          byId[h] = i;
          break;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const k = i * INTS_PER_SPAN;
      const attrCount = ints[k + I_ATTRS];
      const first = str;
      str += attrCount + STRINGS_PER_SPAN;
      if (seqOf[i] < 0) continue;
      const r = chunk.rows++;
      swap8(traceId, i * 16, chunk.traceHi, r * 8);
      swap8(traceId, i * 16 + 8, chunk.traceLo, r * 8);
      swap8(wire.spanId, i * 8, chunk.spanId, r * 8);
      chunk.seq[r] = seqOf[i];
      const pLo = parentWords[2 * i];
      const pHi = parentWords[2 * i + 1];
      if ((pLo | pHi) !== 0) {
        let parent = -1;
        for (let h = pHi & mask; byId[h] >= 0; h = (h + 1) & mask) {
          const j = byId[h];
          // (A span that names itself as parent keeps the id: a distance of 0 means none.)
          if (spanWords[2 * j] === pLo && spanWords[2 * j + 1] === pHi && j !== i && sameTrace(traceId, i, j)) {
            parent = j;
            break;
          }
        }
        if (parent >= 0) {
          chunk.parentRef[r] = seqOf[i] - seqOf[parent];
        } else {
          swap8(wire.parentSpanId, i * 8, chunk.parentId, r * 8);
          chunk.parentValid[r >>> 5] |= 1 << (r & 31);
        }
      }
      // start and end - start as 64-bit words; a start past 2^63 (year 2262) is clamped.
      let sLo = startWords[2 * i];
      let sHi = startWords[2 * i + 1];
      if (sHi >= 0x80000000) {
        sHi = 0x7fffffff;
        sLo = 0xffffffff;
      }
      chunk.start[2 * r] = sLo;
      chunk.start[2 * r + 1] = sHi;
      if (sHi < minHi || (sHi === minHi && sLo < minLo)) {
        minHi = sHi;
        minLo = sLo;
      }
      const dLo = endWords[2 * i] - sLo;
      chunk.duration[2 * r] = dLo >>> 0;
      chunk.duration[2 * r + 1] = (endWords[2 * i + 1] - sHi - (dLo < 0 ? 1 : 0)) >>> 0;
      const keyset = this.keyset(ints[k + I_KEYSET]);
      const slots = keyset.slots;
      let from = first === 0 ? 0 : ends[first - 1];
      let more: string[] | undefined;
      for (let j = 0; j < attrCount; j++) {
        const to = ends[first + j];
        const slot = slots[j];
        if (slot < SLOTS) chunk.slots[slot].set(r, text, from, to);
        else (more ??= []).push(decoder.decode(text.subarray(from, to)));
        from = to;
      }
      const eventsEnd = ends[first + attrCount];
      if (eventsEnd > from) chunk.events.set(r, text, from, eventsEnd);
      const extrasEnd = ends[first + attrCount + 1];
      if (more) {
        // Values beyond the slots (rare): into the extras, which only this side can add.
        const extras = (extrasEnd > eventsEnd ? JSON.parse(decoder.decode(text.subarray(eventsEnd, extrasEnd))) : {}) as Extras;
        extras.v = more;
        const bytes = encoder.encode(JSON.stringify(extras));
        chunk.extras.set(r, bytes, 0, bytes.length);
      } else if (extrasEnd > eventsEnd) {
        chunk.extras.set(r, text, eventsEnd, extrasEnd);
      }
      chunk.op[r] = this.op(ints[k + I_OP]);
      chunk.resource[r] = resourceIds[ints[k + I_RESOURCE]] ?? resourceIds[0] ?? dicts.resource(encodeResource(EMPTY_RESOURCE));
      chunk.scope[r] = scopeIds[ints[k + I_SCOPE]] ?? scopeIds[0] ?? dicts.scope(encodeScope(EMPTY_SCOPE));
      chunk.status[r] = ints[k + I_STATUS];
      chunk.flags[r] = ints[k + I_FLAGS];
      chunk.keyset[r] = keyset.id;
      if (runFrom < 0 || !sameTrace(traceId, runFrom, i)) {
        endRun();
        runFrom = i;
        runHi = sHi;
        runLo = sLo;
      } else if (sHi > runHi || (sHi === runHi && sLo > runLo)) {
        runHi = sHi;
        runLo = sLo;
      }
      if (chunk.full) {
        // Flushed chunk by chunk: DuckDB's append of a whole group at once held this thread
        // (and the reads waiting for it) for tens of milliseconds.
        this.spansAppender.appendDataChunk(chunk.take(grp));
        this.spansAppender.flushSync();
      }
    }
    endRun();
    if (minHi !== Infinity) {
      const min = (BigInt(minHi) << 32n) | BigInt(minLo);
      if (min < stats.minStart || stats.minStart === 0n) stats.minStart = min;
    }
  }

  /** Row number of the next span in the group commit being built. */
  private seq = 0;
  private table = new Int32Array(1024);

  /** An empty open-addressing table (-1 = free) with room for `n` spans at half load. */
  private spanTable(n: number): Int32Array {
    if (this.table.length < 2 * n) this.table = new Int32Array(2 ** Math.ceil(Math.log2(2 * n)));
    return this.table.fill(-1);
  }

  private keyset(wireId: number): KeysetEntry {
    const k = this.wireKeysets[wireId];
    if (k.id < 0) k.id = this.dicts.keyset(k.codes, k.keys);
    return this.dicts.keysets[k.id];
  }

  private op(wireId: number): number {
    const o = this.wireOps[wireId];
    if (o.id < 0) o.id = this.dicts.op(o.service, o.name, o.kind);
    return o.id;
  }

  private appendLogs(a: DuckDBAppender, wire: LogWire, grp: bigint): void {
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

/** Times past 2262 (or negative durations beyond int64) do not fit BIGINT: clamp, do not crash. */
function clamp(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}


function sameTrace(ids: Uint8Array, a: number, b: number): boolean {
  for (let x = a * 16, y = b * 16, end = x + 16; x < end; x++, y++) if (ids[x] !== ids[y]) return false;
  return true;
}
