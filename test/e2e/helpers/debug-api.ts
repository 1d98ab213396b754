import type { LogRecord, Span } from '@tracelight/core';
import { logsOf, spansOf } from '@tracelight/core';
import { decodeLogsRequest, decodeTraceRequest } from '@tracelight/otlp';

/** The stored spans of a trace, as stored (no clock-skew adjustment), through the query API; [] when the trace is unknown. */
export async function fetchTrace(apiUrl: string, traceId: string): Promise<Span[]> {
  const path = `/api/tl/traces/${traceId}/download?raw=true`;
  const res = await fetch(`${apiUrl}${path}`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  const decoded = decodeTraceRequest(new Uint8Array(await res.arrayBuffer()), 'json');
  if (decoded.rejected !== 0) throw new Error(`the query API returned spans we cannot decode: ${decoded.errorMessage}`);
  return spansOf(decoded.batch);
}

/** Stored log records matching the filters (up to 1000, newest first), read back through the query API. */
export async function fetchLogs(apiUrl: string, filter: { traceId?: string; service?: string }): Promise<LogRecord[]> {
  const query = new URLSearchParams({ limit: '1000' });
  if (filter.traceId) query.set('traceId', filter.traceId);
  if (filter.service) query.set('service', filter.service);
  const res = await fetch(`${apiUrl}/api/tl/logs?${query}`);
  if (res.status !== 200) throw new Error(`GET /api/tl/logs: ${res.status} ${await res.text()}`);
  const decoded = decodeLogsRequest(new Uint8Array(await res.arrayBuffer()), 'json');
  return logsOf(decoded.batch);
}

/** Orders spans by span id so two lists of the same spans compare equal. */
export function bySpanId(spans: readonly Span[]): Span[] {
  return [...spans].sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
}

/** Orders log records by their `seq` attribute (the stores return newest first, ties in any order). */
export function bySeq(records: readonly LogRecord[]): LogRecord[] {
  const seq = (r: LogRecord) => Number(r.attributes.find((a) => a.key === 'seq')?.value ?? -1);
  return [...records].sort((a, b) => seq(a) - seq(b));
}
