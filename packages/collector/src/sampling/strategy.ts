/**
 * Jaeger's remote-sampling answer (api_v2 `SamplingStrategyResponse` in protobuf JSON: enum
 * names as strings, camelCase fields), as `GET /api/sampling?service=` returns it. The same shape
 * as the query package's type of the same name.
 */
export interface SamplingStrategyResponse {
  readonly strategyType: 'PROBABILISTIC' | 'RATE_LIMITING';
  readonly probabilisticSampling?: { readonly samplingRate: number };
  readonly rateLimitingSampling?: { readonly maxTracesPerSecond: number };
  readonly operationSampling?: PerOperationSampling;
}

export interface OperationStrategy {
  readonly operation: string;
  readonly probabilisticSampling: { readonly samplingRate: number };
}

export interface PerOperationSampling {
  readonly defaultSamplingProbability: number;
  readonly defaultLowerBoundTracesPerSecond: number;
  readonly defaultUpperBoundTracesPerSecond?: number;
  readonly perOperationStrategies: readonly OperationStrategy[];
}

/** Answers the strategy for a service; the sampling extension, and the query API on 16686, serve it. */
export interface SamplingStrategies {
  strategyFor(service: string): SamplingStrategyResponse;
}

/** `{ strategyType: PROBABILISTIC, probabilisticSampling: { samplingRate } }`. */
export function probabilisticStrategy(samplingRate: number): SamplingStrategyResponse {
  return { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate } };
}
