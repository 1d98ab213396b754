import type { OperationStrategy, SamplingStrategies, SamplingStrategyResponse } from './strategy.js';

/**
 * Settings of adaptive sampling, after Jaeger's (`--sampling.target-samples-per-second` and
 * friends), with Jaeger's defaults.
 */
export interface AdaptiveSamplingConfig {
  /** Sampled traces per second wanted per service and operation. Default 1. */
  readonly target_samples_per_second: number;
  /** Probability for operations not measured yet. Default 0.001. */
  readonly initial_sampling_probability: number;
  /** Default 1e-5. */
  readonly min_sampling_probability: number;
  /** Default 1. */
  readonly max_sampling_probability: number;
  /** Served as defaultLowerBoundTracesPerSecond (SDKs with a guaranteed-throughput sampler honour it). Default 1/60. */
  readonly min_samples_per_second: number;
  /** No change while |observed - target| / target is below this. Default 0.3. */
  readonly delta_tolerance: number;
  /** How often probabilities are recomputed from the traffic of the last interval(s), ms. Default 1m. */
  readonly calculation_interval: number;
  /** How many past intervals the throughput is averaged over. Default 1. */
  readonly buckets_for_calculation: number;
  /** Most operations tracked per service; others get the default probability. Default 500. */
  readonly max_operations_per_service: number;
  /** Most services tracked; others get the initial probability. Default 1,000. */
  readonly max_services: number;
}

export const DEFAULT_ADAPTIVE_CONFIG: AdaptiveSamplingConfig = Object.freeze({
  target_samples_per_second: 1,
  initial_sampling_probability: 0.001,
  min_sampling_probability: 1e-5,
  max_sampling_probability: 1,
  min_samples_per_second: 1 / 60,
  delta_tolerance: 0.3,
  calculation_interval: 60_000,
  buckets_for_calculation: 1,
  max_operations_per_service: 500,
  max_services: 1_000,
});

/** A probability may grow by at most this fraction per calculation (Jaeger's capped-increase calculator). */
const INCREASE_CAP = 0.5;

interface OperationState {
  /** Root spans of sampled traces seen in the current interval. */
  count: number;
  /** Sampling probability the spans of this interval said they were sampled with (`th`), if any did. */
  seenProbability: number | undefined;
  /** Throughput (sampled traces/s) of past intervals, newest last. */
  readonly history: number[];
  /** What is served. */
  probability: number;
}

/** Adaptive sampling: observe sampled root spans, recompute per interval, serve per-operation probabilities. */
export interface AdaptiveSampling extends SamplingStrategies {
  /**
   * A root span of a sampled trace reached the collector. `probability` is the sampling
   * probability the span carries (tracestate `th`), when it carries one; otherwise the probability
   * in effect is taken to be the one served.
   */
  observe(service: string, operation: string, probability?: number): void;
  /** Ends an interval of `elapsedMs` and recomputes every probability. */
  recalculate(elapsedMs: number): void;
  /** The probability served for an operation (the service default when not tracked). */
  probabilityOf(service: string, operation: string): number;
  /** The measured throughput (sampled traces/s, averaged) of an operation, undefined when not tracked. */
  throughputOf(service: string, operation: string): number | undefined;
}

/**
 * The new probability for one operation (Jaeger's adaptive sampling): the traffic is estimated as
 * observed / p, so p' = p · target / observed; unchanged within the tolerance; doubled when
 * nothing was seen; increases capped at +50% per step; clamped to [min, max].
 */
export function nextProbability(config: AdaptiveSamplingConfig, current: number, observedPerSecond: number): number {
  const target = config.target_samples_per_second;
  if (Math.abs(observedPerSecond - target) / target < config.delta_tolerance) return current;
  let next: number;
  if (observedPerSecond === 0) next = current * 2;
  else {
    next = (current * target) / observedPerSecond;
    if (next > current * (1 + INCREASE_CAP)) next = current * (1 + INCREASE_CAP);
  }
  return Math.min(config.max_sampling_probability, Math.max(config.min_sampling_probability, next));
}

export function createAdaptiveSampling(config: AdaptiveSamplingConfig): AdaptiveSampling {
  const services = new Map<string, Map<string, OperationState>>();
  const initial = Math.min(config.max_sampling_probability, Math.max(config.min_sampling_probability, config.initial_sampling_probability));

  const stateOf = (service: string, operation: string): OperationState | undefined => {
    let ops = services.get(service);
    if (!ops) {
      if (services.size >= config.max_services) return undefined;
      services.set(service, (ops = new Map()));
    }
    let s = ops.get(operation);
    if (!s) {
      if (ops.size >= config.max_operations_per_service) return undefined;
      ops.set(operation, (s = { count: 0, seenProbability: undefined, history: [], probability: initial }));
    }
    return s;
  };

  return {
    observe(service, operation, probability) {
      const s = stateOf(service, operation);
      if (!s) return;
      s.count++;
      if (probability !== undefined && probability > 0) s.seenProbability = probability;
    },
    recalculate(elapsedMs) {
      const seconds = elapsedMs / 1000;
      if (!(seconds > 0)) return;
      for (const ops of services.values()) {
        for (const s of ops.values()) {
          s.history.push(s.count / seconds);
          if (s.history.length > config.buckets_for_calculation) s.history.shift();
          const observed = s.history.reduce((a, b) => a + b, 0) / s.history.length;
          s.probability = nextProbability(config, s.seenProbability ?? s.probability, observed);
          s.count = 0;
          s.seenProbability = undefined;
        }
      }
    },
    probabilityOf: (service, operation) => services.get(service)?.get(operation)?.probability ?? initial,
    throughputOf(service, operation) {
      const h = services.get(service)?.get(operation)?.history;
      return h && h.length > 0 ? h.reduce((a, b) => a + b, 0) / h.length : undefined;
    },
    strategyFor(service): SamplingStrategyResponse {
      const ops = services.get(service);
      const perOperationStrategies: OperationStrategy[] = ops
        ? [...ops]
            .filter(([, s]) => s.history.length > 0)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([operation, s]) => ({ operation, probabilisticSampling: { samplingRate: s.probability } }))
        : [];
      return {
        strategyType: 'PROBABILISTIC',
        probabilisticSampling: { samplingRate: initial },
        operationSampling: { defaultSamplingProbability: initial, defaultLowerBoundTracesPerSecond: config.min_samples_per_second, perOperationStrategies },
      };
    },
  };
}
