import type { KeyValue, LogBatch } from '@tracelight/core';
import { LogBatchBuilder } from '@tracelight/core';
import type { DecodeResult } from '../format.js';
import { copyBytes, readAnyValue, readKeyValue } from './proto-decode-common.js';
import { readRequest } from './proto-decode-request.js';
import type { ProtoReader } from './proto-reader.js';
import { logProblem, Rejections } from './rejections.js';

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
  const b = new LogBatchBuilder();
  const rejections = new Rejections();
  readRequest(body, b, readLogRecord, rejections);
  return { batch: b.finish(), rejected: rejections.count, errorMessage: rejections.message('log record', 'log records') };
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
        b.severityNumber[i] = r.enum8(end);
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
  const problem = logProblem(traceIdLen, spanIdLen);
  if (problem !== undefined) {
    b.discardLast();
    rejections.add(problem);
    return;
  }
  if (attributes !== null) b.attributes[i] = attributes;
}
