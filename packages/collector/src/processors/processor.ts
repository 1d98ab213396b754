import type { ExportResult, LogBatch, SpanBatch, TracelightError } from '@tracelight/core';
import { EXPORT_OK } from '@tracelight/core';
import type { Component, ComponentContext } from '../component.js';
import type { Consumers } from '../consumer.js';
import { consume } from '../consumer.js';

/** What a processor is given besides its config: its pipeline's next stage. */
export interface ProcessorDeps extends ComponentContext {
  /** The pipeline it sits in, e.g. `traces` or `traces/sampled`. */
  readonly pipeline: string;
  /** The next stage of the pipeline (for the pipeline's signal). */
  readonly next: Consumers;
}

/** A pipeline stage. Each instance serves one pipeline (the Collector's model). */
export interface Processor extends Component {
  consumeTraces?(batch: SpanBatch): Promise<ExportResult>;
  consumeLogs?(batch: LogBatch): Promise<ExportResult>;
  /**
   * For a processor that refuses data under pressure (the memory limiter): when it is the first
   * processor of a pipeline, receivers ask this before they read a request, so a refused request
   * is never decoded.
   */
  admit?(): TracelightError | undefined;
}

/** The outcome of a pure span transform: the spans to hand on, and how many were dropped and why. */
export interface TransformResult {
  readonly batch: SpanBatch;
  readonly dropped?: number;
  /** Label for the dropped-spans counter, e.g. `filtered`, `sampled_out`. */
  readonly reason?: string;
}

/**
 * The wiring for a processor that is a pure function of a span batch (attributes, redaction,
 * filter, probabilistic sampler): counts dropped spans in
 * `tracelight_processor_dropped_spans_total{processor, pipeline, reason}`, answers an emptied
 * batch itself, and otherwise waits for the next stage's answer (so acknowledgement still means
 * committed downstream).
 */
export function createSpanTransformProcessor(deps: ProcessorDeps, transform: (batch: SpanBatch) => TransformResult): Processor {
  const dropped = deps.telemetry.counter('tracelight_processor_dropped_spans_total', 'Spans a processor dropped on purpose (filtered, sampled out), by reason.');
  return {
    async start() {},
    async shutdown() {},
    async consumeTraces(batch) {
      const out = transform(batch);
      if (out.dropped) dropped.add(out.dropped, { processor: deps.id, pipeline: deps.pipeline, reason: out.reason ?? 'dropped' });
      if (out.batch.length === 0) return EXPORT_OK;
      return consume(deps.next, 'traces', out.batch);
    },
  };
}
