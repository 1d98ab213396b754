// Encodes batches into RowBinary rows: `spans_input` (SPAN_INPUT_COLUMNS), `logs`
// (LOG_COLUMNS) and `resources` (RESOURCE_COLUMNS). A resource is stored once in `resources`
// under a content id (the first 8 bytes of SHA-256 of its encoded form); span and log rows carry
// only that id, since a resource is the same for thousands of spans and often bigger than them.
// Ids and times are copied as raw bytes, so no hex string or BigInt is made per span.
import type { Attributes, InstrumentationScope, LogBatch, Resource, SpanBatch } from '@tracelight/core';
import { anyValueToString, serviceNameOf, SPAN_ID_BYTES, TRACE_ID_BYTES } from '@tracelight/core';
import { createHash } from 'node:crypto';
import { attributePair } from './attribute-pairs.js';
import { timeBytes, writeLogBody, writeResource, writeScope, writeSpanBody } from './codec.js';
import { RowBinaryWriter } from './row-binary.js';

export interface EncodedResource {
  /** The resource id as 8 little-endian bytes (UInt64 in RowBinary). */
  readonly id: Buffer;
  /** The id as hex, for caches. */
  readonly key: string;
  readonly service: string;
  readonly resource: Resource;
  /** The encoded resource (the blob stored in `resources`). */
  readonly blob: Buffer;
}

export function encodeResource(resource: Resource): EncodedResource {
  const w = new RowBinaryWriter(256);
  writeResource(w, resource);
  const blob = w.finish();
  const id = createHash('sha256').update(blob).digest().subarray(0, 8);
  return { id: Buffer.from(id), key: id.toString('hex'), service: serviceNameOf(resource), resource, blob };
}

/** One `resources` row per resource. */
export function encodeResourceRows(resources: readonly EncodedResource[], w: RowBinaryWriter): void {
  for (const r of resources) {
    w.raw(r.id);
    w.string(r.service);
    writePairs(w, [r.resource.attributes]);
    w.bytes(r.blob);
  }
}

function encodeScope(scope: InstrumentationScope, scratch: RowBinaryWriter): Buffer {
  scratch.reset();
  writeScope(scratch, scope);
  const out = new RowBinaryWriter(scratch.pos + 4);
  out.bytes(scratch.view());
  return out.finish();
}

/** Array(String) of the attribute pairs of several attribute lists. */
function writePairs(w: RowBinaryWriter, lists: readonly Attributes[]): void {
  let n = 0;
  for (const list of lists) n += list.length;
  w.varint(n);
  for (const list of lists) for (const kv of list) w.string(attributePair(kv.key, anyValueToString(kv.value)));
}

/** Appends one spans_input row per span of `batch`; `resources` are the batch's, encoded. */
export function encodeSpanRows(batch: SpanBatch, resources: readonly EncodedResource[], w: RowBinaryWriter): void {
  const scratch = new RowBinaryWriter(4096);
  const scopes = batch.scopes.map((s) => encodeScope(s, scratch));
  const starts = timeBytes(batch.startTimeUnixNano);
  const ends = timeBytes(batch.endTimeUnixNano);
  for (let i = 0; i < batch.length; i++) {
    const resource = resources[batch.resourceIndex[i]];
    w.raw(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES);
    w.raw(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
    w.raw(batch.parentSpanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
    w.raw(starts, i * 8, 8);
    w.raw(ends, i * 8, 8);
    w.string(resource.service);
    w.string(batch.name[i]);
    w.u8(batch.kind[i]);
    w.u8(batch.statusCode[i]);
    writePairs(w, [batch.attributes[i]]);
    const events = batch.events[i];
    if (events.length === 0) w.varint(0);
    else writePairs(w, events.map((e) => e.attributes));
    w.raw(resource.id);
    w.raw(scopes[batch.scopeIndex[i]]);
    scratch.reset();
    writeSpanBody(scratch, batch, i, starts, ends);
    w.bytes(scratch.view());
  }
}

/** Appends one logs row per record; `arrival()` gives each record its tie-breaking sequence number. */
export function encodeLogRows(batch: LogBatch, resources: readonly EncodedResource[], w: RowBinaryWriter, arrival: () => bigint): void {
  const scratch = new RowBinaryWriter(4096);
  const scopes = batch.scopes.map((s) => encodeScope(s, scratch));
  for (let i = 0; i < batch.length; i++) {
    const resource = resources[batch.resourceIndex[i]];
    const time = batch.timeUnixNano[i];
    const observed = batch.observedTimeUnixNano[i];
    const body = batch.body[i];
    w.u64(time !== 0n ? time : observed);
    w.u64(arrival());
    w.raw(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES);
    w.raw(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
    w.string(resource.service);
    w.u8(batch.severityNumber[i]);
    w.string(anyValueToString(body).toLowerCase());
    w.raw(resource.id);
    w.raw(scopes[batch.scopeIndex[i]]);
    scratch.reset();
    writeLogBody(scratch, {
      timeUnixNano: time,
      observedTimeUnixNano: observed,
      severityNumber: batch.severityNumber[i],
      severityText: batch.severityText[i],
      body,
      attributes: batch.attributes[i],
      droppedAttributesCount: batch.droppedAttributesCount[i],
      flags: batch.flags[i],
      eventName: batch.eventName[i],
    });
    w.bytes(scratch.view());
  }
}
