import type { KeyValue, LogBatch } from '@tracelight/core';
import { EMPTY_RESOURCE, EMPTY_SCOPE, LogBatchBuilder } from '@tracelight/core';
import type { DecodeResult } from '../format.js';
import { copyBytes, newParts, readAnyValue, readKeyValue, readResource, readScope, toResource, toScope } from './proto-decode-common.js';
import { ProtoReader } from './proto-reader.js';
import { BAD_LOG_SPAN_ID, BAD_LOG_TRACE_ID, Rejections } from './rejections.js';

// Tags (field number << 3 | wire type) of logs/v1/logs.proto, LogRecord.
const LOG_TIME = 0x09; // 1, fixed64
const LOG_SEVERITY_NUMBER = 0x10; // 2
const LOG_SEVERITY_TEXT = 0x1a; // 3
const LOG_BODY = 0x2a; // 5
const LOG_ATTRIBUTES = 0x32; // 6
const LOG_DROPPED_ATTRIBUTES = 0x38; // 7
const LOG_FLAGS = 0x45; // 8, fixed32
const LOG_TRACE_ID = 0x4a; // 9
const LOG_SPAN_ID = 0x52; // 10
const LOG_OBSERVED_TIME = 0x59; // 11, fixed64
const LOG_EVENT_NAME = 0x62; // 12

/** ExportLogsServiceRequest (binary protobuf) → LogBatch; invalid records left out and counted. */
export function decodeLogsProto(body: Uint8Array): DecodeResult<LogBatch> {
  const r = new ProtoReader(body);
  const b = new LogBatchBuilder();
  const rejections = new Rejections();
  const end = body.length;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x0a) readResourceLogs(r, r.sub(end), b, rejections);
    else r.skip(tag, end);
  }
  return { batch: b.finish(), rejected: rejections.count, errorMessage: rejections.message('log record', 'log records') };
}

/** ResourceLogs { resource = 1; scope_logs = 2; schema_url = 3 }. */
function readResourceLogs(r: ProtoReader, end: number, b: LogBatchBuilder, rejections: Rejections): void {
  const resourceIndex = b.addResource(EMPTY_RESOURCE);
  const scopesBefore = b.scopes.length;
  const before = b.length;
  const parts = newParts();
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x12) readScopeLogs(r, r.sub(end), b, resourceIndex, rejections);
    else if (tag === 0x0a) readResource(r, r.sub(end), parts);
    else if (tag === 0x1a) schemaUrl = r.string(end);
    else r.skip(tag, end);
  }
  if (b.length === before) {
    b.resources.pop();
    b.scopes.length = scopesBefore;
    return;
  }
  b.resources[resourceIndex] = toResource(parts, schemaUrl);
}

/** ScopeLogs { scope = 1; log_records = 2; schema_url = 3 }. */
function readScopeLogs(r: ProtoReader, end: number, b: LogBatchBuilder, resourceIndex: number, rejections: Rejections): void {
  const scopeIndex = b.addScope(EMPTY_SCOPE);
  const before = b.length;
  const parts = newParts();
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x12) readLogRecord(r, r.sub(end), b, resourceIndex, scopeIndex, rejections);
    else if (tag === 0x0a) readScope(r, r.sub(end), parts);
    else if (tag === 0x1a) schemaUrl = r.string(end);
    else r.skip(tag, end);
  }
  if (b.length === before) {
    b.scopes.pop();
    return;
  }
  b.scopes[scopeIndex] = toScope(parts, schemaUrl);
}

function readLogRecord(r: ProtoReader, end: number, b: LogBatchBuilder, resourceIndex: number, scopeIndex: number, rejections: Rejections): void {
  const i = b.addRecord(resourceIndex, scopeIndex);
  const buf = r.buf;
  let traceIdLen = 0;
  let spanIdLen = 0;
  let attributes: KeyValue[] | null = null;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case LOG_TIME:
        r.fixed64Into(end, b.timeBytes, i * 8);
        break;
      case LOG_OBSERVED_TIME:
        r.fixed64Into(end, b.observedBytes, i * 8);
        break;
      case LOG_SEVERITY_NUMBER:
        b.severityNumber[i] = r.uint32(end);
        break;
      case LOG_SEVERITY_TEXT:
        b.severityText[i] = r.string(end);
        break;
      case LOG_BODY:
        b.body[i] = readAnyValue(r, r.sub(end), 0);
        break;
      case LOG_ATTRIBUTES:
        (attributes ??= []).push(readKeyValue(r, r.sub(end), 0));
        break;
      case LOG_DROPPED_ATTRIBUTES:
        b.droppedAttributesCount[i] = r.uint32(end);
        break;
      case LOG_FLAGS:
        b.flags[i] = r.fixed32(end);
        break;
      case LOG_TRACE_ID: {
        const to = r.sub(end);
        traceIdLen = to - r.pos;
        if (traceIdLen === 16) copyBytes(buf, r.pos, b.traceId, i * 16, 16);
        else b.traceId.fill(0, i * 16, i * 16 + 16);
        r.pos = to;
        break;
      }
      case LOG_SPAN_ID: {
        const to = r.sub(end);
        spanIdLen = to - r.pos;
        if (spanIdLen === 8) copyBytes(buf, r.pos, b.spanId, i * 8, 8);
        else b.spanId.fill(0, i * 8, i * 8 + 8);
        r.pos = to;
        break;
      }
      case LOG_EVENT_NAME:
        b.eventName[i] = r.string(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (traceIdLen !== 0 && traceIdLen !== 16) {
    b.discardLast();
    rejections.add(BAD_LOG_TRACE_ID);
    return;
  }
  if (spanIdLen !== 0 && spanIdLen !== 8) {
    b.discardLast();
    rejections.add(BAD_LOG_SPAN_ID);
    return;
  }
  if (attributes !== null) b.attributes[i] = attributes;
}
