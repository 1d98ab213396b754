import type { LogBatch, SpanBatch } from '@tracelight/core';
import type { OtlpFormat } from './format.js';
import { checkFormat } from './format.js';
import { logBatchToOtlpJson, traceBatchToOtlpJson } from './internal/json-encode.js';
import { encodeLogsProto, encodeResponseProto, encodeStatusProto, encodeTraceProto } from './internal/proto-encode.js';

const textEncoder = new TextEncoder();

function json(value: unknown): Uint8Array {
  return textEncoder.encode(JSON.stringify(value));
}

/**
 * A batch as an ExportTraceServiceRequest. Spans are grouped by resource, then scope (in order
 * of first appearance), so a batch decoded from one request encodes back in its order.
 */
export function encodeTraceRequest(batch: SpanBatch, format: OtlpFormat): Uint8Array {
  checkFormat(format);
  return format === 'json' ? json(traceBatchToOtlpJson(batch)) : encodeTraceProto(batch);
}

/** A batch as an ExportLogsServiceRequest (grouped like encodeTraceRequest). */
export function encodeLogsRequest(batch: LogBatch, format: OtlpFormat): Uint8Array {
  checkFormat(format);
  return format === 'json' ? json(logBatchToOtlpJson(batch)) : encodeLogsProto(batch);
}

/**
 * Export{Trace,Logs}ServiceResponse; partial_success only when rejected > 0 or errorMessage != ''
 * (so a full success is an empty message: 0 bytes, or `{}`).
 */
export function encodeExportResponse(
  signal: 'traces' | 'logs',
  partial: { rejected: number; errorMessage: string },
  format: OtlpFormat,
): Uint8Array {
  checkFormat(format);
  const { rejected, errorMessage } = partial;
  if (!Number.isSafeInteger(rejected) || rejected < 0) throw new RangeError(`rejected must be a non-negative integer, got ${rejected}`);
  if (format === 'protobuf') return encodeResponseProto(rejected, errorMessage);
  if (rejected === 0 && errorMessage === '') return json({});
  const partialSuccess: Record<string, string> = {};
  if (rejected !== 0) partialSuccess[signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords'] = String(rejected);
  if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
  return json({ partialSuccess });
}

/** google.rpc.Status { code, message } (details empty): the body of an OTLP/HTTP error response. */
export function encodeStatus(status: { code: number; message: string }, format: OtlpFormat): Uint8Array {
  checkFormat(format);
  if (!Number.isInteger(status.code) || status.code < -(2 ** 31) || status.code >= 2 ** 31) {
    throw new RangeError(`status code must be an int32, got ${status.code}`);
  }
  if (format === 'protobuf') return encodeStatusProto(status.code, status.message);
  const o: Record<string, unknown> = {};
  if (status.code !== 0) o.code = status.code;
  if (status.message !== '') o.message = status.message;
  return json(o);
}
