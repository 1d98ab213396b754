import type { Span } from '@tracelight/core';
import { TracelightError } from '@tracelight/core';
import type { StoreCapabilities, StoreReader, TraceSummary } from '@tracelight/store';
import { StoreErrorCode } from '@tracelight/store';
import type { SamplingStrategyResponse, TraceSummaryJson } from '../api-types.js';
import { adjustClockSkew } from './clock-skew.js';

/** What every route handler gets: the store and the handler's settings, defaults applied. */
export interface ApiContext {
  readonly reader: StoreReader;
  readonly capabilities: StoreCapabilities | undefined;
  readonly maxClockSkewAdjustNano: bigint;
  readonly searchScanLimit: number;
  readonly maxUploadBytes: number;
  readonly samplingStrategy: (service: string) => SamplingStrategyResponse | Promise<SamplingStrategyResponse>;
  /** Now, in nanoseconds since the epoch. */
  readonly now: () => bigint;
}

/** Refuses early (501) when the store says it cannot do something, instead of asking it. */
export function requireCapability(ctx: ApiContext, capability: 'dependencies' | 'metrics' | 'logs'): void {
  if (ctx.capabilities && !ctx.capabilities[capability]) {
    throw new TracelightError(StoreErrorCode.UNSUPPORTED, `this store does not support ${capability}`);
  }
}

export interface ViewedTrace {
  readonly traceId: string;
  readonly spans: Span[];
  readonly warnings: Map<string, string[]>;
}

/** A trace as people see it: clock skew adjusted (with notes), unless `raw`. */
export function viewTrace(ctx: ApiContext, traceId: string, spans: readonly Span[], raw: boolean): ViewedTrace {
  if (raw) return { traceId, spans: spans.slice(), warnings: new Map() };
  const adjusted = adjustClockSkew(spans, ctx.maxClockSkewAdjustNano);
  return { traceId, spans: adjusted.spans, warnings: adjusted.warnings };
}

export function summaryJson(s: TraceSummary): TraceSummaryJson {
  return {
    traceId: s.traceId,
    rootServiceName: s.rootServiceName,
    rootSpanName: s.rootSpanName,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: (s.startTimeUnixNano + s.durationNano).toString(),
    durationNano: s.durationNano.toString(),
    spanCount: s.spanCount,
    errorCount: s.errorCount,
    services: s.services.map((x) => ({ serviceName: x.serviceName, spanCount: x.spanCount, errorCount: x.errorCount })),
  };
}
