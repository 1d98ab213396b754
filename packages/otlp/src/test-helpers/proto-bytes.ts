// Hand-made protobuf bytes for decoder tests, written independently of the encoder under test.

const utf8 = new TextEncoder();

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A varint of any unsigned value up to 2^64 - 1 (negative int64: pass BigInt.asUintN(64, v)). */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

export const tag = (field: number, wireType: number) => varint((field << 3) | wireType);
export const vint = (field: number, value: number | bigint) => cat(tag(field, 0), varint(value));
export const len = (field: number, ...payload: Uint8Array[]) => {
  const body = cat(...payload);
  return cat(tag(field, 2), varint(body.length), body);
};
export const str = (field: number, s: string) => len(field, utf8.encode(s));
export const raw = (...bytes: number[]) => Uint8Array.from(bytes);

export function fixed32(field: number, value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return cat(tag(field, 5), b);
}

export function fixed64(field: number, value: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value, true);
  return cat(tag(field, 1), b);
}

export function double(field: number, value: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return cat(tag(field, 1), b);
}

/** An id of `n` bytes, every byte `fill`. */
export const id = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

/** Unknown fields of every wire type (numbers unused by OTLP): what a newer sender may add. */
export function unknownFields(): Uint8Array {
  return cat(
    vint(1000, 2n ** 64n - 1n),
    fixed64(1001, 123n),
    str(1002, 'from the future'),
    tag(1003, 3),
    vint(1, 5),
    tag(1004, 3),
    str(2, 'group in group'),
    tag(1004, 4),
    tag(1003, 4),
    fixed32(1005, 7),
  );
}

/** ExportTraceServiceRequest with one ResourceSpans / ScopeSpans holding `spans` (Span bodies). */
export function traceRequest(spans: Uint8Array[], resource: Uint8Array = new Uint8Array(0)): Uint8Array {
  return len(1, len(1, resource), len(2, len(1, str(1, 'scope')), ...spans.map((s) => len(2, s))));
}

/** ExportLogsServiceRequest with one ResourceLogs / ScopeLogs holding `records` (LogRecord bodies). */
export function logsRequest(records: Uint8Array[]): Uint8Array {
  return len(1, len(1), len(2, len(1, str(1, 'scope')), ...records.map((r) => len(2, r))));
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
