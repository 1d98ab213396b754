import type { LogBatch, SpanBatch } from '@tracelight/core';
import type { DecodeResult, OtlpFormat } from './format.js';
import { checkFormat } from './format.js';
import { decodeLogsJson, decodeTraceJson } from './internal/json-decode.js';
import { decodeLogsProto } from './internal/proto-decode-logs.js';
import { decodeTraceProto } from './internal/proto-decode-trace.js';
import { OtlpDecodeError } from './otlp-decode-error.js';

// Decoders throw OtlpDecodeError for what they recognise as bad input; anything else escaping
// them (say, a RangeError from a pathological body) is still bad input, never a crash.
function asDecodeError(err: unknown): OtlpDecodeError {
  if (err instanceof OtlpDecodeError) return err;
  return new OtlpDecodeError(`undecodable OTLP message: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * An ExportTraceServiceRequest body → its spans. Invalid spans (bad trace/span/parent ids) are
 * left out and counted in `rejected`. An empty body is an empty request.
 * @throws OtlpDecodeError when the body is not a valid message.
 */
export function decodeTraceRequest(body: Uint8Array, format: OtlpFormat): DecodeResult<SpanBatch> {
  checkFormat(format);
  try {
    return format === 'json' ? decodeTraceJson(body) : decodeTraceProto(body);
  } catch (err) {
    throw asDecodeError(err);
  }
}

/**
 * An ExportLogsServiceRequest body → its log records. Records whose trace_id / span_id is neither
 * empty nor of the right length are left out and counted in `rejected`.
 * @throws OtlpDecodeError when the body is not a valid message.
 */
export function decodeLogsRequest(body: Uint8Array, format: OtlpFormat): DecodeResult<LogBatch> {
  checkFormat(format);
  try {
    return format === 'json' ? decodeLogsJson(body) : decodeLogsProto(body);
  } catch (err) {
    throw asDecodeError(err);
  }
}
