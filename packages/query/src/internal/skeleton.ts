import { serviceNameOf, StatusCode, traceRows } from '@tracelight/core';
import { allocateSkeleton, SkeletonFlag } from '../client/skeleton.js';
import type { ViewedTrace } from './context.js';

function intern(table: string[], index: Map<string, number>, value: string): number {
  let i = index.get(value);
  if (i === undefined) {
    i = table.length;
    table.push(value);
    index.set(value, i);
  }
  return i;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** 16 hex digits into 8 bytes at `at`, without allocating; anything else leaves zeros. */
function writeHexId(out: Uint8Array, at: number, hex: string): void {
  if (hex.length !== 16) return;
  for (let i = 0; i < 8; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      out.fill(0, at, at + 8);
      return;
    }
    out[at + i] = (hi << 4) | lo;
  }
}

/**
 * The skeleton body of a viewed (clock-skew adjusted) trace: rows in display order, times
 * relative to the trace start, string tables for services and names. One pass over the spans,
 * nothing JSON-encoded per span.
 */
export function encodeTraceSkeleton(view: ViewedTrace): Uint8Array<ArrayBuffer> {
  const rows = traceRows(view.spans);
  const n = rows.spans.length;
  const services: string[] = [];
  const serviceIndex = new Map<string, number>();
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const serviceOf = new Map<unknown, number>();
  const service = new Uint32Array(n);
  const name = new Uint32Array(n);
  let errorCount = 0;
  for (let r = 0; r < n; r++) {
    const span = rows.spans[r];
    let s = serviceOf.get(span.resource);
    if (s === undefined) serviceOf.set(span.resource, (s = intern(services, serviceIndex, serviceNameOf(span.resource))));
    service[r] = s;
    name[r] = intern(names, nameIndex, span.name);
    if (span.status.code === StatusCode.ERROR) errorCount++;
  }
  const t0 = rows.startTimeUnixNano;
  const { bytes, skeleton: k } = allocateSkeleton({
    version: 1,
    traceId: view.traceId,
    spanCount: n,
    startTimeUnixNano: t0.toString(),
    durationNano: n === 0 ? 0 : Number(rows.endTimeUnixNano - t0),
    errorCount,
    services,
    names,
  });
  k.service.set(service);
  k.name.set(name);
  k.parent.set(rows.parent);
  for (let r = 0; r < n; r++) {
    const span = rows.spans[r];
    k.start[r] = Number(span.startTimeUnixNano - t0);
    const d = span.endTimeUnixNano - span.startTimeUnixNano;
    k.duration[r] = d > 0n ? Number(d) : 0;
    writeHexId(k.spanIds, 8 * r, span.spanId);
    k.kind[r] = span.kind;
    k.status[r] = span.status.code;
    let f = 0;
    if (span.events.length > 0) f |= SkeletonFlag.HAS_EVENTS;
    if (span.links.length > 0) f |= SkeletonFlag.HAS_LINKS;
    if (view.warnings.has(span.spanId)) f |= SkeletonFlag.WARNING;
    if (rows.parent[r] < 0 && span.parentSpanId !== '') f |= SkeletonFlag.ORPHAN;
    k.flags[r] = f;
  }
  return bytes;
}
