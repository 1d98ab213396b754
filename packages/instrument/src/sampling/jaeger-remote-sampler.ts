import type { Attributes, Context, Link, Sampler, SamplingResult, SpanKind } from '@opentelemetry/api';
import { context as contextApi, diag } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { createRateLimitingSampler, createRatioSampler } from './samplers.js';

/**
 * Jaeger remote sampling: polls a sampling-strategies endpoint (Jaeger's
 * `GET ?service=<name>` API, served by Tracelight on `:5778/api/sampling` and `:16686/api/sampling`)
 * and samples as it says: probabilistic, rate limiting, or per operation (span name) with a
 * default probability and a lower bound of traces per second.
 */
export interface JaegerRemoteSamplerOptions {
  /** The strategies URL without the query. Default `http://127.0.0.1:5778/api/sampling`. */
  endpoint?: string;
  serviceName: string;
  /** Default 60 000 ms. */
  pollingIntervalMs?: number;
  /** Probability used until the first answer arrives. Default 0.001 (as OpenTelemetry's). */
  initialSamplingRate?: number;
}

export interface JaegerRemoteSampler extends Sampler {
  /** Fetches the strategy now; resolves `false` (and keeps the current one) on any failure. */
  refresh(): Promise<boolean>;
  /** Stops polling. Idempotent. */
  shutdown(): void;
}

interface ProbabilisticStrategy {
  samplingRate?: number;
}
interface StrategyResponse {
  strategyType?: string | number;
  probabilisticSampling?: ProbabilisticStrategy;
  rateLimitingSampling?: { maxTracesPerSecond?: number };
  operationSampling?: {
    defaultSamplingProbability?: number;
    defaultLowerBoundTracesPerSecond?: number;
    perOperationStrategies?: Array<{ operation?: string; probabilisticSampling?: ProbabilisticStrategy }>;
  };
}

export const DEFAULT_JAEGER_REMOTE_ENDPOINT = 'http://127.0.0.1:5778/api/sampling';

/** Builds the sampler for one strategies document; exported for tests. */
export function samplerFromStrategy(doc: StrategyResponse): Sampler | undefined {
  const ops = doc.operationSampling;
  if (ops && (ops.perOperationStrategies?.length || ops.defaultSamplingProbability !== undefined)) {
    const fallback = createRatioSampler(ops.defaultSamplingProbability ?? doc.probabilisticSampling?.samplingRate ?? 0);
    const lowerBound = ops.defaultLowerBoundTracesPerSecond ?? 0;
    const perOp = new Map<string, Sampler>();
    for (const s of ops.perOperationStrategies ?? []) {
      if (typeof s.operation === 'string' && typeof s.probabilisticSampling?.samplingRate === 'number') {
        perOp.set(s.operation, createRatioSampler(s.probabilisticSampling.samplingRate));
      }
    }
    const limiters = new Map<string, Sampler>();
    return {
      shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attrs: Attributes, links: Link[]): SamplingResult {
        const result = (perOp.get(name) ?? fallback).shouldSample(ctx, traceId, name, kind, attrs, links);
        if (result.decision !== 0 || lowerBound <= 0) return result;
        // Guarantee a trickle of traces for rare operations (Jaeger's lower bound).
        let limiter = limiters.get(name);
        if (!limiter) {
          if (limiters.size >= 2000) return result;
          limiter = createRateLimitingSampler(lowerBound);
          limiters.set(name, limiter);
        }
        return limiter.shouldSample(ctx, traceId, name, kind, attrs, links);
      },
      toString: () => 'JaegerPerOperationSampler',
    };
  }
  const type = doc.strategyType;
  if ((type === 'RATE_LIMITING' || type === 1) && typeof doc.rateLimitingSampling?.maxTracesPerSecond === 'number') {
    return createRateLimitingSampler(doc.rateLimitingSampling.maxTracesPerSecond);
  }
  if (typeof doc.probabilisticSampling?.samplingRate === 'number') {
    return createRatioSampler(doc.probabilisticSampling.samplingRate);
  }
  return undefined;
}

export function createJaegerRemoteSampler(options: JaegerRemoteSamplerOptions): JaegerRemoteSampler {
  const endpoint = options.endpoint ?? DEFAULT_JAEGER_REMOTE_ENDPOINT;
  const interval = options.pollingIntervalMs ?? 60_000;
  let current: Sampler = createRatioSampler(options.initialSamplingRate ?? 0.001);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function refresh(): Promise<boolean> {
    const url = new URL(endpoint);
    url.searchParams.set('service', options.serviceName);
    try {
      // Our own polling must not be traced (it would feed itself spans).
      const res = await contextApi.with(suppressTracing(contextApi.active()), () =>
        fetch(url, { signal: AbortSignal.timeout(5000) }),
      );
      if (!res.ok) {
        diag.warn(`tracelight: sampling strategies ${url} answered ${res.status}`);
        return false;
      }
      const next = samplerFromStrategy((await res.json()) as StrategyResponse);
      if (!next) return false;
      current = next;
      return true;
    } catch (err) {
      diag.warn(`tracelight: cannot fetch sampling strategies from ${url}: ${String(err)}`);
      return false;
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void refresh().finally(schedule);
    }, interval);
    timer.unref();
  }
  void refresh().finally(schedule);

  return {
    shouldSample(ctx, traceId, name, kind, attrs, links) {
      return current.shouldSample(ctx, traceId, name, kind, attrs, links);
    },
    refresh,
    shutdown() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    toString: () => `JaegerRemoteSampler{${endpoint}}`,
  };
}
