import type { KeyValue, SpanBatch, SpanEvent, SpanLink } from '@tracelight/core';
import { bytesToHex, isZero, SpanBatchBuilder } from '@tracelight/core';
import type { DecodeResult } from '../format.js';
import { copyBytes, NONE, readKeyValue } from './proto-decode-common.js';
import { readRequest } from './proto-decode-request.js';
import type { ProtoReader } from './proto-reader.js';
import { Rejections, spanProblem } from './rejections.js';

// Tags (field number << 3 | wire type) of trace/v1/trace.proto.
const SPAN_TRACE_ID = 0x0a; // 1
const SPAN_SPAN_ID = 0x12; // 2
const SPAN_TRACE_STATE = 0x1a; // 3
const SPAN_PARENT_SPAN_ID = 0x22; // 4
const SPAN_NAME = 0x2a; // 5
const SPAN_KIND = 0x30; // 6
const SPAN_START = 0x39; // 7, fixed64
const SPAN_END = 0x41; // 8, fixed64
const SPAN_ATTRIBUTES = 0x4a; // 9
const SPAN_DROPPED_ATTRIBUTES = 0x50; // 10
const SPAN_EVENTS = 0x5a; // 11
const SPAN_DROPPED_EVENTS = 0x60; // 12
const SPAN_LINKS = 0x6a; // 13
const SPAN_DROPPED_LINKS = 0x70; // 14
const SPAN_STATUS = 0x7a; // 15
const SPAN_FLAGS = 0x85; // 16, fixed32

/** ExportTraceServiceRequest (binary protobuf) → SpanBatch; invalid spans left out and counted. */
export function decodeTraceProto(body: Uint8Array): DecodeResult<SpanBatch> {
  const b = new SpanBatchBuilder();
  const rejections = new Rejections();
  readRequest(body, b, readSpan, rejections);
  return { batch: b.finish(), rejected: rejections.count, errorMessage: rejections.message('span', 'spans') };
}

function readSpan(r: ProtoReader, end: number, b: SpanBatchBuilder, resourceIndex: number, scopeIndex: number, rejections: Rejections): void {
  const i = b.addSpan(resourceIndex, scopeIndex);
  const buf = r.buf;
  let traceIdLen = 0;
  let spanIdLen = 0;
  let parentLen = 0;
  let attributes: KeyValue[] | null = null;
  let events: SpanEvent[] | null = null;
  let links: SpanLink[] | null = null;
  let badLinks = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case SPAN_TRACE_ID: {
        const to = r.sub(end);
        traceIdLen = to - r.pos;
        if (traceIdLen === 16) copyBytes(buf, r.pos, b.traceId, i * 16, 16);
        r.pos = to;
        break;
      }
      case SPAN_SPAN_ID: {
        const to = r.sub(end);
        spanIdLen = to - r.pos;
        if (spanIdLen === 8) copyBytes(buf, r.pos, b.spanId, i * 8, 8);
        r.pos = to;
        break;
      }
      case SPAN_PARENT_SPAN_ID: {
        const to = r.sub(end);
        parentLen = to - r.pos;
        if (parentLen === 8) copyBytes(buf, r.pos, b.parentSpanId, i * 8, 8);
        else b.parentSpanId.fill(0, i * 8, i * 8 + 8);
        r.pos = to;
        break;
      }
      case SPAN_TRACE_STATE:
        b.traceState[i] = r.string(end);
        break;
      case SPAN_NAME:
        b.name[i] = r.string(end);
        break;
      case SPAN_KIND:
        b.kind[i] = r.enum8(end);
        break;
      case SPAN_START:
        r.fixed64Into(end, b.startBytes, i * 8);
        break;
      case SPAN_END:
        r.fixed64Into(end, b.endBytes, i * 8);
        break;
      case SPAN_ATTRIBUTES:
        (attributes ??= []).push(readKeyValue(r, r.sub(end), 0));
        break;
      case SPAN_DROPPED_ATTRIBUTES:
        b.droppedAttributesCount[i] = r.uint32(end);
        break;
      case SPAN_EVENTS:
        (events ??= []).push(readEvent(r, r.sub(end)));
        break;
      case SPAN_DROPPED_EVENTS:
        b.droppedEventsCount[i] = r.uint32(end);
        break;
      case SPAN_LINKS: {
        const link = readLink(r, r.sub(end));
        if (link === null) badLinks++;
        else (links ??= []).push(link);
        break;
      }
      case SPAN_DROPPED_LINKS:
        b.droppedLinksCount[i] = r.uint32(end);
        break;
      case SPAN_STATUS:
        readStatus(r, r.sub(end), b, i);
        break;
      case SPAN_FLAGS:
        b.flags[i] = r.fixed32(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  const problem = spanProblem(b.traceId, b.spanId, i, traceIdLen, spanIdLen, parentLen);
  if (problem !== undefined) {
    b.discardLast();
    rejections.add(problem);
    return;
  }
  if (attributes !== null) b.attributes[i] = attributes;
  if (events !== null) b.events[i] = events;
  if (links !== null) b.links[i] = links;
  if (badLinks > 0) b.droppedLinksCount[i] += badLinks;
}

/** Span.Event { time_unix_nano = 1; name = 2; attributes = 3; dropped_attributes_count = 4 }. */
function readEvent(r: ProtoReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  let attributes: KeyValue[] | null = null;
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x09) timeUnixNano = r.fixed64(end);
    else if (tag === 0x12) name = r.string(end);
    else if (tag === 0x1a) (attributes ??= []).push(readKeyValue(r, r.sub(end), 0));
    else if (tag === 0x20) droppedAttributesCount = r.uint32(end);
    else r.skip(tag, end);
  }
  return { timeUnixNano, name, attributes: attributes ?? NONE, droppedAttributesCount };
}

/**
 * Span.Link { trace_id = 1; span_id = 2; trace_state = 3; attributes = 4;
 * dropped_attributes_count = 5; flags = 6 }. Null when its ids are invalid.
 */
function readLink(r: ProtoReader, end: number): SpanLink | null {
  const buf = r.buf;
  let traceId = '';
  let spanId = '';
  let traceIdOk = false;
  let spanIdOk = false;
  let traceState = '';
  let attributes: KeyValue[] | null = null;
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a: {
        const to = r.sub(end);
        traceIdOk = to - r.pos === 16 && !isZero(buf, r.pos, 16);
        if (traceIdOk) traceId = bytesToHex(buf, r.pos, 16);
        r.pos = to;
        break;
      }
      case 0x12: {
        const to = r.sub(end);
        spanIdOk = to - r.pos === 8 && !isZero(buf, r.pos, 8);
        if (spanIdOk) spanId = bytesToHex(buf, r.pos, 8);
        r.pos = to;
        break;
      }
      case 0x1a:
        traceState = r.string(end);
        break;
      case 0x22:
        (attributes ??= []).push(readKeyValue(r, r.sub(end), 0));
        break;
      case 0x28:
        droppedAttributesCount = r.uint32(end);
        break;
      case 0x35:
        flags = r.fixed32(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (!traceIdOk || !spanIdOk) return null;
  return { traceId, spanId, traceState, attributes: attributes ?? NONE, droppedAttributesCount, flags };
}

/** Status { message = 2; code = 3 } (field 1 is reserved). */
function readStatus(r: ProtoReader, end: number, b: SpanBatchBuilder, i: number): void {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x12) b.statusMessage[i] = r.string(end);
    else if (tag === 0x18) b.statusCode[i] = r.enum8(end);
    else r.skip(tag, end);
  }
}
