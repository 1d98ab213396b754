import type { Receiver } from '../receivers/receiver.js';
import type { MetricsRegistry, Sample } from './metrics-registry.js';

/**
 * Receiver counters as Prometheus metrics. Names follow the OpenTelemetry Collector's own
 * (`otelcol_receiver_accepted_spans_total`, ...) where it has one, so its dashboards work; the
 * rest are `tracelight_*`.
 */
export function registerReceiverMetrics(telemetry: MetricsRegistry, receivers: ReadonlyMap<string, Receiver>): void {
  const each = (read: (r: Receiver) => number) => (): Sample[] => [...receivers].map(([id, r]) => ({ labels: { receiver: id }, value: read(r) }));
  telemetry.counterFunc('otelcol_receiver_accepted_spans_total', 'Spans a receiver handed on and that were acknowledged downstream.', each((r) => r.counters.spans.accepted));
  telemetry.counterFunc('otelcol_receiver_refused_spans_total', 'Valid spans refused because the pipeline refused them (pressure, store failure); clients may retry.', each((r) => r.counters.spans.refused));
  telemetry.counterFunc('tracelight_receiver_received_spans_total', 'Spans in requests that decoded (accepted + rejected + refused).', each((r) => r.counters.spans.received));
  telemetry.counterFunc('tracelight_receiver_rejected_spans_total', 'Invalid spans left out of a request (bad ids); reported as partial success.', each((r) => r.counters.spans.rejected));
  telemetry.counterFunc('otelcol_receiver_accepted_log_records_total', 'Log records a receiver handed on and that were acknowledged downstream.', each((r) => r.counters.logs.accepted));
  telemetry.counterFunc('otelcol_receiver_refused_log_records_total', 'Valid log records refused because the pipeline refused them.', each((r) => r.counters.logs.refused));
  telemetry.counterFunc('tracelight_receiver_rejected_log_records_total', 'Invalid log records left out of a request.', each((r) => r.counters.logs.rejected));
  telemetry.counterFunc('tracelight_receiver_received_bytes_total', 'Request body bytes read from the wire.', each((r) => r.counters.bytesReceived));
  telemetry.counterFunc('tracelight_receiver_requests_total', 'Requests by what the client was told.', () =>
    [...receivers].flatMap(([id, r]) => {
      const q = r.counters.requests;
      const outcomes: [string, number][] = [
        ['ok', q.ok],
        ['invalid', q.invalid],
        ['too_large', q.tooLarge],
        ['unsupported', q.unsupported],
        ['refused', q.refused],
        ['throttled', q.throttled],
        ['aborted', q.aborted],
      ];
      return outcomes.map(([outcome, value]) => ({ labels: { receiver: id, outcome }, value }));
    }),
  );
}

/** Memory and uptime of this process. */
export function registerProcessMetrics(telemetry: MetricsRegistry): void {
  const started = performance.now();
  telemetry.gaugeFunc('tracelight_process_memory_rss_bytes', 'Resident set size of the process.', () => [{ value: process.memoryUsage.rss() }]);
  telemetry.gaugeFunc('tracelight_process_heap_used_bytes', 'JavaScript heap in use.', () => [{ value: process.memoryUsage().heapUsed }]);
  telemetry.gaugeFunc('tracelight_process_external_memory_bytes', 'Memory held outside the JavaScript heap (buffers).', () => [{ value: process.memoryUsage().external }]);
  telemetry.gaugeFunc('tracelight_process_uptime_seconds', 'Seconds since the collector was created.', () => [{ value: (performance.now() - started) / 1000 }]);
}
