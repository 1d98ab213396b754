import type { LogBatch, LogRecord, Span, SpanBatch } from '@tracelight/core';
import { logsOf, serviceNameOf, spansOf } from '@tracelight/core';
import type { GetTracesOptions, LogQuery, Store, Trace } from './contract.js';

export interface MemoryStoreOptions {
  /** Oldest spans are dropped beyond this many. Default 1,000,000. */
  readonly maxSpans?: number;
}

/** A store that keeps everything in this process: for tests and `tracelight start --memory`. */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const maxSpans = options.maxSpans ?? 1_000_000;
  const traces = new Map<string, Map<string, Span>>();
  const services = new Set<string>();
  const logs: LogRecord[] = [];
  let spanCount = 0;

  const evictOldest = () => {
    for (const [traceId, spans] of traces) {
      if (spanCount <= maxSpans) return;
      traces.delete(traceId);
      spanCount -= spans.size;
    }
  };

  return {
    capabilities: { durable: false, logs: true },
    async start() {},
    async shutdown() {},
    async writeSpans(batch: SpanBatch) {
      for (const span of spansOf(batch)) {
        let trace = traces.get(span.traceId);
        if (!trace) traces.set(span.traceId, (trace = new Map()));
        if (!trace.has(span.spanId)) spanCount++;
        trace.set(span.spanId, span);
        services.add(serviceNameOf(span.resource));
      }
      evictOldest();
    },
    async writeLogs(batch: LogBatch) {
      logs.push(...logsOf(batch));
      if (logs.length > maxSpans) logs.splice(0, logs.length - maxSpans);
    },
    async getServices() {
      return [...services].sort();
    },
    async getTraces(traceIds: readonly string[], _options?: GetTracesOptions): Promise<Trace[]> {
      const out: Trace[] = [];
      for (const traceId of new Set(traceIds.map((id) => id.toLowerCase()))) {
        const trace = traces.get(traceId);
        if (trace) out.push({ traceId, spans: [...trace.values()] });
      }
      return out;
    },
    async findLogs(query: LogQuery) {
      const out = logs.filter(
        (r) => (!query.traceId || r.traceId === query.traceId) && (!query.spanId || r.spanId === query.spanId),
      );
      return out.slice(0, query.limit ?? out.length);
    },
  };
}
