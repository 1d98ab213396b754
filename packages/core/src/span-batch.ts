import type { Attributes } from './attributes.js';
import { bytesToHex, hexToBytes, isZero, SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import { grow } from './internal/growable.js';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanKind, SpanLink, StatusCode } from './model.js';

const NONE: readonly never[] = Object.freeze([]);

/**
 * A batch of spans in columns: the unit that flows through the pipeline. Row `i` of every
 * column belongs to span `i`. Resources and scopes are stored once and referenced by index, not
 * copied per span. Ids are raw bytes (16 per trace id, 8 per span id; an all-zero parent id
 * means a root span). Times are nanoseconds since the epoch, exact (64-bit).
 *
 * Batches are treated as immutable once built: processors that change spans build new ones.
 */
export interface SpanBatch {
  readonly length: number;
  readonly resources: readonly Resource[];
  readonly scopes: readonly InstrumentationScope[];
  readonly resourceIndex: Uint32Array;
  readonly scopeIndex: Uint32Array;
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly parentSpanId: Uint8Array;
  readonly traceState: readonly string[];
  readonly flags: Uint32Array;
  readonly name: readonly string[];
  readonly kind: Uint8Array;
  readonly startTimeUnixNano: BigUint64Array;
  readonly endTimeUnixNano: BigUint64Array;
  readonly attributes: readonly Attributes[];
  readonly droppedAttributesCount: Uint32Array;
  readonly events: readonly (readonly SpanEvent[])[];
  readonly droppedEventsCount: Uint32Array;
  readonly links: readonly (readonly SpanLink[])[];
  readonly droppedLinksCount: Uint32Array;
  readonly statusCode: Uint8Array;
  readonly statusMessage: readonly string[];
}

/**
 * Builds a SpanBatch row by row. Decoders write straight into the public columns after
 * `addSpan()`; the typed columns grow by doubling. `startBytes` / `endBytes` are byte views of
 * the time columns, so a decoder can copy a little-endian fixed64 without creating a BigInt.
 */
export class SpanBatchBuilder {
  length = 0;
  readonly resources: Resource[] = [];
  readonly scopes: InstrumentationScope[] = [];
  resourceIndex = new Uint32Array(0);
  scopeIndex = new Uint32Array(0);
  traceId = new Uint8Array(0);
  spanId = new Uint8Array(0);
  parentSpanId = new Uint8Array(0);
  flags = new Uint32Array(0);
  kind = new Uint8Array(0);
  startTimeUnixNano = new BigUint64Array(0);
  endTimeUnixNano = new BigUint64Array(0);
  startBytes = new Uint8Array(0);
  endBytes = new Uint8Array(0);
  droppedAttributesCount = new Uint32Array(0);
  droppedEventsCount = new Uint32Array(0);
  droppedLinksCount = new Uint32Array(0);
  statusCode = new Uint8Array(0);
  readonly traceState: string[] = [];
  readonly name: string[] = [];
  readonly attributes: Attributes[] = [];
  readonly events: (readonly SpanEvent[])[] = [];
  readonly links: (readonly SpanLink[])[] = [];
  readonly statusMessage: string[] = [];

  addResource(resource: Resource): number {
    return this.resources.push(resource) - 1;
  }

  addScope(scope: InstrumentationScope): number {
    return this.scopes.push(scope) - 1;
  }

  /** Appends a span with empty/zero fields and returns its row. */
  addSpan(resource: number, scope: number): number {
    const i = this.length++;
    const n = this.length;
    if (this.resourceIndex.length < n) this.growTo(n);
    this.resourceIndex[i] = resource;
    this.scopeIndex[i] = scope;
    this.traceState.push('');
    this.name.push('');
    this.attributes.push(NONE);
    this.events.push(NONE);
    this.links.push(NONE);
    this.statusMessage.push('');
    return i;
  }

  /** Removes the last span (a decoder rejected it), leaving its typed rows zeroed for reuse. */
  discardLast(): void {
    const i = --this.length;
    this.traceId.fill(0, i * TRACE_ID_BYTES, (i + 1) * TRACE_ID_BYTES);
    this.spanId.fill(0, i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES);
    this.parentSpanId.fill(0, i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES);
    this.flags[i] = 0;
    this.kind[i] = 0;
    this.startTimeUnixNano[i] = 0n;
    this.endTimeUnixNano[i] = 0n;
    this.droppedAttributesCount[i] = 0;
    this.droppedEventsCount[i] = 0;
    this.droppedLinksCount[i] = 0;
    this.statusCode[i] = 0;
    this.traceState.pop();
    this.name.pop();
    this.attributes.pop();
    this.events.pop();
    this.links.pop();
    this.statusMessage.pop();
  }

  /** Appends a span given as a row object; resource and scope are looked up by identity. */
  addRow(span: Span, resourceIds: Map<Resource, number>, scopeIds: Map<InstrumentationScope, number>): number {
    let r = resourceIds.get(span.resource);
    if (r === undefined) resourceIds.set(span.resource, (r = this.addResource(span.resource)));
    let s = scopeIds.get(span.scope);
    if (s === undefined) scopeIds.set(span.scope, (s = this.addScope(span.scope)));
    const i = this.addSpan(r, s);
    this.traceId.set(hexToBytes(span.traceId) ?? new Uint8Array(TRACE_ID_BYTES), i * TRACE_ID_BYTES);
    this.spanId.set(hexToBytes(span.spanId) ?? new Uint8Array(SPAN_ID_BYTES), i * SPAN_ID_BYTES);
    if (span.parentSpanId) this.parentSpanId.set(hexToBytes(span.parentSpanId) ?? new Uint8Array(SPAN_ID_BYTES), i * SPAN_ID_BYTES);
    this.traceState[i] = span.traceState;
    this.flags[i] = span.flags;
    this.name[i] = span.name;
    this.kind[i] = span.kind;
    this.startTimeUnixNano[i] = span.startTimeUnixNano;
    this.endTimeUnixNano[i] = span.endTimeUnixNano;
    this.attributes[i] = span.attributes;
    this.droppedAttributesCount[i] = span.droppedAttributesCount;
    this.events[i] = span.events;
    this.droppedEventsCount[i] = span.droppedEventsCount;
    this.links[i] = span.links;
    this.droppedLinksCount[i] = span.droppedLinksCount;
    this.statusCode[i] = span.status.code;
    this.statusMessage[i] = span.status.message;
    return i;
  }

  /** Copies row `i` of `batch` (with its resource and scope, mapped through the given tables). */
  addFrom(batch: SpanBatch, i: number, resource: number, scope: number): number {
    const j = this.addSpan(resource, scope);
    this.traceId.set(batch.traceId.subarray(i * TRACE_ID_BYTES, (i + 1) * TRACE_ID_BYTES), j * TRACE_ID_BYTES);
    this.spanId.set(batch.spanId.subarray(i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES), j * SPAN_ID_BYTES);
    this.parentSpanId.set(batch.parentSpanId.subarray(i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES), j * SPAN_ID_BYTES);
    this.traceState[j] = batch.traceState[i];
    this.flags[j] = batch.flags[i];
    this.name[j] = batch.name[i];
    this.kind[j] = batch.kind[i];
    this.startTimeUnixNano[j] = batch.startTimeUnixNano[i];
    this.endTimeUnixNano[j] = batch.endTimeUnixNano[i];
    this.attributes[j] = batch.attributes[i];
    this.droppedAttributesCount[j] = batch.droppedAttributesCount[i];
    this.events[j] = batch.events[i];
    this.droppedEventsCount[j] = batch.droppedEventsCount[i];
    this.links[j] = batch.links[i];
    this.droppedLinksCount[j] = batch.droppedLinksCount[i];
    this.statusCode[j] = batch.statusCode[i];
    this.statusMessage[j] = batch.statusMessage[i];
    return j;
  }

  finish(): SpanBatch {
    const n = this.length;
    return {
      length: n,
      resources: this.resources,
      scopes: this.scopes,
      resourceIndex: this.resourceIndex.subarray(0, n),
      scopeIndex: this.scopeIndex.subarray(0, n),
      traceId: this.traceId.subarray(0, n * TRACE_ID_BYTES),
      spanId: this.spanId.subarray(0, n * SPAN_ID_BYTES),
      parentSpanId: this.parentSpanId.subarray(0, n * SPAN_ID_BYTES),
      traceState: this.traceState,
      flags: this.flags.subarray(0, n),
      name: this.name,
      kind: this.kind.subarray(0, n),
      startTimeUnixNano: this.startTimeUnixNano.subarray(0, n),
      endTimeUnixNano: this.endTimeUnixNano.subarray(0, n),
      attributes: this.attributes,
      droppedAttributesCount: this.droppedAttributesCount.subarray(0, n),
      events: this.events,
      droppedEventsCount: this.droppedEventsCount.subarray(0, n),
      links: this.links,
      droppedLinksCount: this.droppedLinksCount.subarray(0, n),
      statusCode: this.statusCode.subarray(0, n),
      statusMessage: this.statusMessage,
    };
  }

  private growTo(n: number): void {
    this.resourceIndex = grow(this.resourceIndex, Uint32Array, n);
    this.scopeIndex = grow(this.scopeIndex, Uint32Array, n);
    this.traceId = grow(this.traceId, Uint8Array, n, TRACE_ID_BYTES);
    this.spanId = grow(this.spanId, Uint8Array, n, SPAN_ID_BYTES);
    this.parentSpanId = grow(this.parentSpanId, Uint8Array, n, SPAN_ID_BYTES);
    this.flags = grow(this.flags, Uint32Array, n);
    this.kind = grow(this.kind, Uint8Array, n);
    this.startTimeUnixNano = grow(this.startTimeUnixNano, BigUint64Array, n);
    this.endTimeUnixNano = grow(this.endTimeUnixNano, BigUint64Array, n);
    this.startBytes = new Uint8Array(this.startTimeUnixNano.buffer);
    this.endBytes = new Uint8Array(this.endTimeUnixNano.buffer);
    this.droppedAttributesCount = grow(this.droppedAttributesCount, Uint32Array, n);
    this.droppedEventsCount = grow(this.droppedEventsCount, Uint32Array, n);
    this.droppedLinksCount = grow(this.droppedLinksCount, Uint32Array, n);
    this.statusCode = grow(this.statusCode, Uint8Array, n);
  }
}

export function emptySpanBatch(): SpanBatch {
  return new SpanBatchBuilder().finish();
}

export function traceIdHex(batch: SpanBatch, i: number): string {
  return bytesToHex(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES);
}

export function spanIdHex(batch: SpanBatch, i: number): string {
  return bytesToHex(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
}

/** '' for a root span. */
export function parentSpanIdHex(batch: SpanBatch, i: number): string {
  return isZero(batch.parentSpanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES)
    ? ''
    : bytesToHex(batch.parentSpanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
}

/**
 * Duration of span `i` in nanoseconds, computed on the 32-bit halves so that no BigInt is made.
 * Exact below 2^53 ns (104 days); a span that ends before it starts has a negative duration.
 */
export function spanDurationNano(batch: SpanBatch, i: number): number {
  const s = batch.startTimeUnixNano;
  const e = batch.endTimeUnixNano;
  const sv = new Uint32Array(s.buffer, s.byteOffset + i * 8, 2);
  const ev = new Uint32Array(e.buffer, e.byteOffset + i * 8, 2);
  return (ev[1] - sv[1]) * 0x1_0000_0000 + (ev[0] - sv[0]);
}

/** Span `i` as a row object. */
export function spanAt(batch: SpanBatch, i: number): Span {
  return {
    traceId: traceIdHex(batch, i),
    spanId: spanIdHex(batch, i),
    parentSpanId: parentSpanIdHex(batch, i),
    traceState: batch.traceState[i],
    flags: batch.flags[i],
    name: batch.name[i],
    kind: batch.kind[i] as SpanKind,
    startTimeUnixNano: batch.startTimeUnixNano[i],
    endTimeUnixNano: batch.endTimeUnixNano[i],
    attributes: batch.attributes[i],
    droppedAttributesCount: batch.droppedAttributesCount[i],
    events: batch.events[i],
    droppedEventsCount: batch.droppedEventsCount[i],
    links: batch.links[i],
    droppedLinksCount: batch.droppedLinksCount[i],
    status: { code: batch.statusCode[i] as StatusCode, message: batch.statusMessage[i] },
    resource: batch.resources[batch.resourceIndex[i]],
    scope: batch.scopes[batch.scopeIndex[i]],
  };
}

/** Every span of the batch as row objects. */
export function spansOf(batch: SpanBatch): Span[] {
  const out = new Array<Span>(batch.length);
  for (let i = 0; i < batch.length; i++) out[i] = spanAt(batch, i);
  return out;
}

/** A batch from row objects; spans that share a resource (or scope) object share its entry. */
export function spanBatchFromSpans(spans: Iterable<Span>): SpanBatch {
  const b = new SpanBatchBuilder();
  const resources = new Map<Resource, number>();
  const scopes = new Map<InstrumentationScope, number>();
  for (const span of spans) b.addRow(span, resources, scopes);
  return b.finish();
}

/** The rows of `batch` for which `keep(batch, i)` is true, as a new batch (same resource/scope tables). */
export function filterSpans(batch: SpanBatch, keep: (batch: SpanBatch, i: number) => boolean): SpanBatch {
  const b = new SpanBatchBuilder();
  b.resources.push(...batch.resources);
  b.scopes.push(...batch.scopes);
  for (let i = 0; i < batch.length; i++) {
    if (keep(batch, i)) b.addFrom(batch, i, batch.resourceIndex[i], batch.scopeIndex[i]);
  }
  return b.length === batch.length ? batch : b.finish();
}

/** One batch holding all spans of `batches`, in order. */
export function concatSpanBatches(batches: readonly SpanBatch[]): SpanBatch {
  if (batches.length === 1) return batches[0];
  const b = new SpanBatchBuilder();
  for (const batch of batches) {
    const r0 = b.resources.length;
    const s0 = b.scopes.length;
    b.resources.push(...batch.resources);
    b.scopes.push(...batch.scopes);
    for (let i = 0; i < batch.length; i++) b.addFrom(batch, i, r0 + batch.resourceIndex[i], s0 + batch.scopeIndex[i]);
  }
  return b.finish();
}
