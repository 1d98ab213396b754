/**
 * The trace skeleton (`GET /api/tl/traces/{id}/skeleton`, docs/api.md): what the timeline needs
 * to draw a trace, without attributes, events, links, resources or scopes, as one binary body.
 * Encoding and decoding live together here (browser-safe, no Node imports) so the server and
 * the client cannot disagree on the layout.
 *
 * Layout, little-endian:
 *   bytes 0-3   "TLSK"
 *   bytes 4-7   uint32 H: length of the JSON header
 *   H bytes     UTF-8 JSON header (SkeletonHeader), then zero padding to a multiple of 8
 *   sections, n = spanCount, in this order:
 *     start     float64[n]  ns from the trace start
 *     duration  float64[n]  ns (never negative)
 *     spanId    uint8[8n]   raw span ids
 *     parent    int32[n]    row of the parent (always an earlier row), -1 for a root
 *     service   uint32[n]   index into header.services
 *     name      uint32[n]   index into header.names
 *     kind      uint8[n]    OTLP span kind
 *     status    uint8[n]    OTLP status code (0 unset, 1 ok, 2 error)
 *     flags     uint8[n]    SkeletonFlag bits
 * Rows are in display order: depth-first, children by start time.
 */

import type { Span } from '@tracelight/core';
import { serviceNameOf, StatusCode, traceRows } from '@tracelight/core';

/** Bits of the skeleton's `flags` section. */
export const SkeletonFlag = {
  HAS_EVENTS: 1,
  HAS_LINKS: 2,
  /** The server noted clock skew on this span (the notes come with the span's details). */
  WARNING: 4,
  /** The span names a parent that is not in the trace. */
  ORPHAN: 8,
} as const;

export interface SkeletonHeader {
  /** 1. A reader refuses other versions. */
  readonly version: number;
  readonly traceId: string;
  readonly spanCount: number;
  /** Earliest span start, ns since the epoch, as a decimal string. */
  readonly startTimeUnixNano: string;
  /** Latest end minus earliest start, ns. */
  readonly durationNano: number;
  readonly errorCount: number;
  /** Service names by first appearance in row order. */
  readonly services: readonly string[];
  /** Span names by first appearance in row order. */
  readonly names: readonly string[];
}

/** A decoded skeleton: the header and one typed array per section (views on the body's buffer). */
export interface TraceSkeleton {
  readonly header: SkeletonHeader;
  readonly start: Float64Array;
  readonly duration: Float64Array;
  readonly spanIds: Uint8Array;
  readonly parent: Int32Array;
  readonly service: Uint32Array;
  readonly name: Uint32Array;
  readonly kind: Uint8Array;
  readonly status: Uint8Array;
  readonly flags: Uint8Array;
}

export const SKELETON_CONTENT_TYPE = 'application/vnd.tracelight.skeleton';
const MAGIC = [0x54, 0x4c, 0x53, 0x4b]; // "TLSK"
/** Bytes per span over all sections. */
const BYTES_PER_SPAN = 8 + 8 + 8 + 4 + 4 + 4 + 1 + 1 + 1;

const pad8 = (n: number) => (n + 7) & ~7;

/** One buffer holding the skeleton; the caller fills the sections through the returned views. */
export function allocateSkeleton(header: SkeletonHeader): { bytes: Uint8Array<ArrayBuffer>; skeleton: TraceSkeleton } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const base = pad8(8 + json.length);
  const bytes = new Uint8Array(base + header.spanCount * BYTES_PER_SPAN);
  bytes.set(MAGIC, 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.set(json, 8);
  return { bytes, skeleton: sectionsOf(header, bytes.buffer, base) };
}

function sectionsOf(header: SkeletonHeader, buffer: ArrayBuffer, base: number): TraceSkeleton {
  const n = header.spanCount;
  let at = base;
  const take = <T>(make: (offset: number) => T, bytes: number): T => {
    const v = make(at);
    at += bytes;
    return v;
  };
  return {
    header,
    start: take((o) => new Float64Array(buffer, o, n), 8 * n),
    duration: take((o) => new Float64Array(buffer, o, n), 8 * n),
    spanIds: take((o) => new Uint8Array(buffer, o, 8 * n), 8 * n),
    parent: take((o) => new Int32Array(buffer, o, n), 4 * n),
    service: take((o) => new Uint32Array(buffer, o, n), 4 * n),
    name: take((o) => new Uint32Array(buffer, o, n), 4 * n),
    kind: take((o) => new Uint8Array(buffer, o, n), n),
    status: take((o) => new Uint8Array(buffer, o, n), n),
    flags: take((o) => new Uint8Array(buffer, o, n), n),
  };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/**
 * Reads a skeleton body (the buffer is used as it is, not copied). Throws an Error naming what
 * is wrong when the body does not follow the layout, including parent or table indexes out of range.
 */
export function decodeSkeleton(buffer: ArrayBuffer): TraceSkeleton {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not a trace skeleton (bad magic)');
  const jsonLength = new DataView(buffer).getUint32(4, true);
  if (8 + jsonLength > bytes.length) throw new Error('trace skeleton: header overruns the body');
  let header: SkeletonHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + jsonLength))) as SkeletonHeader;
  } catch (err) {
    throw new Error(`trace skeleton: the header is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const h = header as unknown as Record<string, unknown>;
  if (h.version !== 1) throw new Error(`trace skeleton: version ${String(h.version)} is not supported`);
  const n = h.spanCount;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error('trace skeleton: bad spanCount');
  if (typeof h.traceId !== 'string' || typeof h.startTimeUnixNano !== 'string' || !/^\d+$/.test(h.startTimeUnixNano)) throw new Error('trace skeleton: bad traceId or start');
  if (typeof h.durationNano !== 'number' || typeof h.errorCount !== 'number') throw new Error('trace skeleton: bad duration or error count');
  if (!isStringArray(h.services) || !isStringArray(h.names)) throw new Error('trace skeleton: bad string tables');
  const base = pad8(8 + jsonLength);
  if (bytes.length !== base + n * BYTES_PER_SPAN) throw new Error(`trace skeleton: ${bytes.length} bytes, expected ${base + n * BYTES_PER_SPAN} for ${n} spans`);
  const s = sectionsOf(header, buffer, base);
  const services = header.services.length;
  const names = header.names.length;
  for (let r = 0; r < n; r++) {
    const p = s.parent[r];
    if (p < -1 || p >= r) throw new Error(`trace skeleton: row ${r} has parent ${p}`);
    if (s.service[r] >= services || s.name[r] >= names) throw new Error(`trace skeleton: row ${r} names a string out of range`);
  }
  return s;
}

/** One column per row of a trace laid out in display order (each row after its parent). */
export interface RowColumns {
  /** Row of the parent (an earlier row), -1 for a root. */
  readonly parent: Int32Array;
  /** ns from the trace start. */
  readonly start: Float64Array;
  /** ns. */
  readonly duration: Float64Array;
  /** Index into the services table. */
  readonly service: Uint32Array;
  /** Index into the names table. */
  readonly name: Uint32Array;
  readonly kind: Uint8Array;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly status: Uint8Array;
  /** SkeletonFlag bits. */
  readonly flags: Uint8Array;
}

/** The per-row facts of a trace that the skeleton carries, rows in display order. */
export interface SpanRows extends RowColumns {
  /** The spans in row order. */
  readonly spans: Span[];
  readonly startTimeUnixNano: bigint;
  /** Latest end minus earliest start, ns (0 for no spans). */
  readonly durationNano: number;
  readonly services: string[];
  readonly names: string[];
  readonly errorCount: number;
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
 * Lays a trace's spans out as skeleton rows, in one pass: what the server encodes
 * (`encodeTraceSkeleton`) and what the UI builds itself for a trace it holds (an upload).
 * `warnings` has the ids of spans with clock-skew notes.
 */
export function spanRows(spans: readonly Span[], warnings?: { has(spanId: string): boolean }): SpanRows {
  const rows = traceRows(spans);
  const n = rows.spans.length;
  const t0 = rows.startTimeUnixNano;
  const out = {
    spans: rows.spans,
    startTimeUnixNano: t0,
    durationNano: n === 0 ? 0 : Number(rows.endTimeUnixNano - t0),
    services: [] as string[],
    names: [] as string[],
    parent: rows.parent,
    start: new Float64Array(n),
    duration: new Float64Array(n),
    service: new Uint32Array(n),
    name: new Uint32Array(n),
    kind: new Uint8Array(n),
    status: new Uint8Array(n),
    flags: new Uint8Array(n),
    errorCount: 0,
  };
  const serviceIndex = new Map<string, number>();
  const nameIndex = new Map<string, number>();
  // Spans of one process share their resource object: its service is looked up once.
  const serviceOf = new Map<unknown, number>();
  for (let r = 0; r < n; r++) {
    const span = rows.spans[r];
    out.start[r] = Number(span.startTimeUnixNano - t0);
    const d = span.endTimeUnixNano - span.startTimeUnixNano;
    out.duration[r] = d > 0n ? Number(d) : 0;
    let s = serviceOf.get(span.resource);
    if (s === undefined) serviceOf.set(span.resource, (s = intern(out.services, serviceIndex, serviceNameOf(span.resource))));
    out.service[r] = s;
    out.name[r] = intern(out.names, nameIndex, span.name);
    out.kind[r] = span.kind;
    out.status[r] = span.status.code;
    if (span.status.code === StatusCode.ERROR) out.errorCount++;
    let f = 0;
    if (span.events.length > 0) f |= SkeletonFlag.HAS_EVENTS;
    if (span.links.length > 0) f |= SkeletonFlag.HAS_LINKS;
    if (warnings?.has(span.spanId)) f |= SkeletonFlag.WARNING;
    if (rows.parent[r] < 0 && span.parentSpanId !== '') f |= SkeletonFlag.ORPHAN;
    out.flags[r] = f;
  }
  return out;
}
