import { allocateSkeleton, spanRows } from '../client/skeleton.js';
import type { ViewedTrace } from './context.js';

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
  const rows = spanRows(view.spans, view.warnings);
  const n = rows.spans.length;
  const { bytes, skeleton: k } = allocateSkeleton({
    version: 1,
    traceId: view.traceId,
    spanCount: n,
    startTimeUnixNano: rows.startTimeUnixNano.toString(),
    durationNano: rows.durationNano,
    errorCount: rows.errorCount,
    services: rows.services,
    names: rows.names,
  });
  k.start.set(rows.start);
  k.duration.set(rows.duration);
  k.parent.set(rows.parent);
  k.service.set(rows.service);
  k.name.set(rows.name);
  k.kind.set(rows.kind);
  k.status.set(rows.status);
  k.flags.set(rows.flags);
  for (let r = 0; r < n; r++) writeHexId(k.spanIds, 8 * r, rows.spans[r].spanId);
  return bytes;
}
