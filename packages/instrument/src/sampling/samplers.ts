import type { Context, Sampler, SamplingResult } from '@opentelemetry/api';
import { SamplingDecision, trace } from '@opentelemetry/api';
import { ParentBasedSampler } from '@opentelemetry/sdk-trace';
import {
  encodeThreshold,
  probabilityToThreshold,
  traceRandomness,
  withThreshold,
} from './threshold.js';

/**
 * Samplers that speak OpenTelemetry's consistent probability sampling: a sampled root records
 * its probability as `ot=th:` in `tracestate`, so every span of the trace carries it and the
 * backend can weight counts. Non-probabilistic decisions (rate limiting) remove `th`.
 */

// Shared: a decision not to sample carries nothing else.
const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/**
 * Keeps a fraction of traces, consistently: the decision depends only on the trace's
 * randomness (the trace id's last 56 bits or `ot` `rv`), so every service using the same
 * probability decides the same. `probability` is clamped to [0, 1].
 */
export function createRatioSampler(probability: number): Sampler {
  const p = Math.min(1, Math.max(0, Number.isFinite(probability) ? probability : 0));
  const threshold = probabilityToThreshold(p);
  const th = threshold === undefined ? undefined : encodeThreshold(threshold);
  // A trace without tracestate (every new one) always gets the same, immutable state.
  const fresh = th === undefined ? undefined : withThreshold(undefined, th);
  return {
    shouldSample(context: Context, traceId: string): SamplingResult {
      const parentState = trace.getSpanContext(context)?.traceState;
      if (threshold === undefined || th === undefined) return DROP;
      if (traceRandomness(traceId, parentState) < threshold) {
        return DROP;
      }
      return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: parentState === undefined ? fresh : withThreshold(parentState, th) };
    },
    toString: () => `TracelightRatioSampler{${p}}`,
  };
}

/**
 * Keeps at most `tracesPerSecond` new traces per second (token bucket, burst of one second's
 * worth, at least 1). The decision is not probabilistic, so `th` is removed from `tracestate`.
 */
export function createRateLimitingSampler(tracesPerSecond: number, now: () => number = () => performance.now()): Sampler {
  const rate = Math.max(0, tracesPerSecond);
  const capacity = Math.max(1, rate);
  let tokens = capacity;
  let last = now();
  return {
    shouldSample(context: Context): SamplingResult {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * rate);
      last = t;
      if (tokens < 1) return DROP;
      tokens -= 1;
      const parentState = trace.getSpanContext(context)?.traceState;
      return { decision: SamplingDecision.RECORD_AND_SAMPLED, traceState: withThreshold(parentState, undefined) };
    },
    toString: () => `TracelightRateLimitingSampler{${rate}}`,
  };
}

/** Always samples; records `th:0` (probability 1) on new traces. */
export function createAlwaysOnSampler(): Sampler {
  return createRatioSampler(1);
}

/** Never samples. */
export function createAlwaysOffSampler(): Sampler {
  return createRatioSampler(0);
}

export interface ParentBasedSamplerOptions {
  /** Decides for spans without a parent. */
  root: Sampler;
  /** Defaults: follow the parent's sampled flag (remote and local). */
  remoteParentSampled?: Sampler;
  remoteParentNotSampled?: Sampler;
  localParentSampled?: Sampler;
  localParentNotSampled?: Sampler;
}

/**
 * Follows the parent's decision (the parent's `tracestate`, `th` included, is inherited
 * unchanged) and asks `root` for new traces.
 */
export function createParentBasedSampler(options: ParentBasedSamplerOptions): Sampler {
  return new ParentBasedSampler(options);
}
