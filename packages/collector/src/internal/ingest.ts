import type { ExportResult, TracelightError } from '@tracelight/core';
import { toTracelightError } from '@tracelight/core';
import type { DecodeResult, OtlpFormat } from '@tracelight/otlp';
import { decodeLogsRequest, decodeTraceRequest } from '@tracelight/otlp';
import type { Consumers } from '../consumer.js';
import type { ReceiverCounters, SignalCounters } from '../telemetry.js';

export type Signal = 'traces' | 'logs';

/** What became of one export request, before it is put into a transport's words. */
export type IngestOutcome =
  | { readonly kind: 'ok'; readonly rejected: number; readonly errorMessage: string }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'refused'; readonly error: TracelightError };

/**
 * The part every OTLP receiver shares: decode the request body, count, hand the batch to the next
 * consumer and wait for its answer (acknowledgement means committed). Never throws.
 */
export async function ingest(
  signal: Signal,
  body: Uint8Array,
  format: OtlpFormat,
  consumers: Consumers,
  counters: ReceiverCounters,
): Promise<IngestOutcome> {
  counters.bytesDecoded += body.length;
  const items: SignalCounters = signal === 'traces' ? counters.spans : counters.logs;
  let decoded: DecodeResult<{ readonly length: number }>;
  let handOn: () => Promise<ExportResult>;
  try {
    if (signal === 'traces') {
      const d = decodeTraceRequest(body, format);
      handOn = () => consumers.traces!.consumeTraces(d.batch);
      decoded = d;
    } else {
      const d = decodeLogsRequest(body, format);
      handOn = () => consumers.logs!.consumeLogs(d.batch);
      decoded = d;
    }
  } catch (err) {
    // OtlpDecodeError for bad input; anything else is a decoder bug, but the input caused it, so
    // it is still answered as bad data rather than crashing the process.
    counters.requests.invalid++;
    return { kind: 'invalid', message: err instanceof Error ? err.message : String(err) };
  }
  const n = decoded.batch.length;
  items.received += n + decoded.rejected;
  items.rejected += decoded.rejected;
  if (n > 0) {
    let result: ExportResult;
    try {
      result = await handOn();
    } catch (err) {
      result = { ok: false, retryable: false, error: toTracelightError(err) };
    }
    if (!result.ok) {
      items.refused += n;
      counters.requests.refused++;
      return { kind: 'refused', error: result.error };
    }
    items.accepted += n;
  }
  counters.requests.ok++;
  return { kind: 'ok', rejected: decoded.rejected, errorMessage: decoded.errorMessage };
}
