import type { SpanBatch } from '@tracelight/core';
import { filterSpans, parseOtelSamplingState, probabilityToThreshold, randomnessOf, THRESHOLD_MAX, thresholdKeeps, withThreshold } from '@tracelight/core';
import type { ComponentFactory } from '../../component.js';
import { num, object, parseConfig } from '../../internal/schema.js';
import type { Processor, ProcessorDeps } from '../processor.js';
import { createSpanTransformProcessor } from '../processor.js';

export interface ProbabilisticSamplerConfig {
  /** Percentage of traces kept, 0 to 100. */
  readonly sampling_percentage: number;
  /** Hex digits of the threshold written to `th` (1 to 14). Default 4. */
  readonly sampling_precision: number;
}

const schema = object<ProbabilisticSamplerConfig>(
  { sampling_percentage: num({ min: 0, max: 100 }), sampling_precision: num({ min: 1, max: 14, integer: true }) },
  { sampling_precision: 4 },
);

/**
 * Keeps a share of traces, consistently with OpenTelemetry's tracestate probability sampling: a
 * span is kept when its randomness (`rv`, else the trace id's last 56 bits) is at least the
 * rejection threshold, so every span of a trace gets the same decision here and in any other
 * consistent sampler. Kept spans carry the threshold in `ot=th:`; one that already carries a
 * higher threshold (sampled at a lower probability upstream) keeps its own ("equalizing" mode).
 */
export const probabilisticSamplerProcessorFactory: ComponentFactory<ProbabilisticSamplerConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  signals: ['traces'],
  defaultConfig: () => ({ sampling_percentage: 100, sampling_precision: 4 }),
  validateConfig: (config, path = 'processors.probabilistic_sampler') => parseConfig(schema, config, path),
  create(config, deps) {
    const threshold = probabilityToThreshold(config.sampling_percentage / 100, config.sampling_precision);
    return createSpanTransformProcessor(deps, (batch) => sampleBatch(batch, threshold));
  },
};

/** The spans of `batch` whose randomness passes `threshold`, their tracestate's `th` raised to it. */
export function sampleBatch(batch: SpanBatch, threshold: bigint): { batch: SpanBatch; dropped: number; reason: string } {
  if (threshold === 0n) return { batch, dropped: 0, reason: 'sampled_out' };
  const keep = new Uint8Array(batch.length);
  const states = batch.traceState.slice();
  let dropped = 0;
  for (let i = 0; i < batch.length; i++) {
    const ts = states[i];
    if (threshold >= THRESHOLD_MAX || !thresholdKeeps(threshold, randomnessOf(batch.traceId, i * 16, ts))) {
      dropped++;
      continue;
    }
    keep[i] = 1;
    const existing = parseOtelSamplingState(ts).threshold;
    if (existing === undefined || existing < threshold) states[i] = withThreshold(ts, threshold);
  }
  // filterSpans keeps rows in order, so the kept rows' trace states are the kept entries of `states`.
  const kept = filterSpans(batch, (_b, i) => keep[i] === 1);
  return { batch: { ...kept, traceState: states.filter((_s, i) => keep[i] === 1) }, dropped, reason: 'sampled_out' };
}
