// Encodes batches into RowBinary rows for `spans_input` (SPAN_INPUT_COLUMNS) and `logs`
// (LOG_COLUMNS). Resources and scopes are encoded once per batch; ids and times are copied as
// raw bytes, so no hex string or BigInt is made per span.
import type { Attributes, InstrumentationScope, LogBatch, Resource, SpanBatch } from '@tracelight/core';
import { anyValueToString, SPAN_ID_BYTES, serviceNameOf, TRACE_ID_BYTES } from '@tracelight/core';
import { endianness } from 'node:os';
import { writeLogBody, writeResource, writeScope, writeSpanBody } from './codec.js';
import { RowBinaryWriter } from './row-binary.js';

const LITTLE_ENDIAN = endianness() === 'LE';

interface EncodedResource {
  readonly service: string;
  /** resource_keys then resource_values, as RowBinary. */
  readonly keysValues: Buffer;
  /** The resource blob as a RowBinary String. */
  readonly blob: Buffer;
}

function encodeResource(resource: Resource, scratch: RowBinaryWriter): EncodedResource {
  scratch.reset();
  writeKeysValues(scratch, [resource.attributes]);
  const keysValues = scratch.finish();
  scratch.reset();
  const inner = new RowBinaryWriter(256);
  writeResource(inner, resource);
  scratch.bytes(inner.view());
  return { service: serviceNameOf(resource), keysValues, blob: scratch.finish() };
}

function encodeScope(scope: InstrumentationScope, scratch: RowBinaryWriter): Buffer {
  scratch.reset();
  const inner = new RowBinaryWriter(128);
  writeScope(inner, scope);
  scratch.bytes(inner.view());
  return scratch.finish();
}

/** Array(String) of keys, then Array(String) of values' text forms, over several attribute lists. */
function writeKeysValues(w: RowBinaryWriter, lists: readonly Attributes[]): void {
  let n = 0;
  for (const list of lists) n += list.length;
  w.varint(n);
  for (const list of lists) for (const kv of list) w.string(kv.key);
  w.varint(n);
  for (const list of lists) for (const kv of list) w.string(anyValueToString(kv.value));
}

function bytesOf(times: BigUint64Array): Uint8Array {
  return new Uint8Array(times.buffer, times.byteOffset, times.byteLength);
}

const NO_EVENTS: readonly Attributes[] = [];

/** Appends one spans_input row per span of `batch` to `w`. */
export function encodeSpanRows(batch: SpanBatch, w: RowBinaryWriter): void {
  const scratch = new RowBinaryWriter(4096);
  const resources = batch.resources.map((r) => encodeResource(r, scratch));
  const scopes = batch.scopes.map((s) => encodeScope(s, scratch));
  const starts = bytesOf(batch.startTimeUnixNano);
  const ends = bytesOf(batch.endTimeUnixNano);
  for (let i = 0; i < batch.length; i++) {
    const resource = resources[batch.resourceIndex[i]];
    w.raw(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES);
    w.raw(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
    w.raw(batch.parentSpanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
    if (LITTLE_ENDIAN) {
      w.raw(starts, i * 8, 8);
      w.raw(ends, i * 8, 8);
    } else {
      w.u64(batch.startTimeUnixNano[i]);
      w.u64(batch.endTimeUnixNano[i]);
    }
    w.string(resource.service);
    w.string(batch.name[i]);
    w.u8(batch.kind[i]);
    w.u8(batch.statusCode[i]);
    writeKeysValues(w, [batch.attributes[i]]);
    w.raw(resource.keysValues);
    const events = batch.events[i];
    writeKeysValues(w, events.length === 0 ? NO_EVENTS : events.map((e) => e.attributes));
    w.raw(resource.blob);
    w.raw(scopes[batch.scopeIndex[i]]);
    scratch.reset();
    writeSpanBody(scratch, {
      traceState: batch.traceState[i],
      flags: batch.flags[i],
      name: batch.name[i],
      kind: batch.kind[i],
      startTimeUnixNano: batch.startTimeUnixNano[i],
      endTimeUnixNano: batch.endTimeUnixNano[i],
      attributes: batch.attributes[i],
      droppedAttributesCount: batch.droppedAttributesCount[i],
      events,
      droppedEventsCount: batch.droppedEventsCount[i],
      links: batch.links[i],
      droppedLinksCount: batch.droppedLinksCount[i],
      statusCode: batch.statusCode[i],
      statusMessage: batch.statusMessage[i],
    });
    w.bytes(scratch.view());
  }
}

/** Appends one logs row per record; `arrival()` gives each record its tie-breaking sequence number. */
export function encodeLogRows(batch: LogBatch, w: RowBinaryWriter, arrival: () => bigint): void {
  const scratch = new RowBinaryWriter(4096);
  const resources = batch.resources.map((r) => encodeResource(r, scratch));
  const scopes = batch.scopes.map((s) => encodeScope(s, scratch));
  for (let i = 0; i < batch.length; i++) {
    const time = batch.timeUnixNano[i];
    const observed = batch.observedTimeUnixNano[i];
    const body = batch.body[i];
    w.u64(time !== 0n ? time : observed);
    w.u64(arrival());
    w.raw(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES);
    w.raw(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES);
    w.string(resources[batch.resourceIndex[i]].service);
    w.u8(batch.severityNumber[i]);
    w.string(anyValueToString(body).toLowerCase());
    w.raw(resources[batch.resourceIndex[i]].blob);
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
