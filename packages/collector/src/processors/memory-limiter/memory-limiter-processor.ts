import { constrainedMemory } from 'node:process';
import { exportFailure, TracelightError } from '@tracelight/core';
import type { ComponentFactory } from '../../component.js';
import { ConfigError } from '../../component.js';
import { consume } from '../../consumer.js';
import { duration, num, object, optional, parseConfig } from '../../internal/schema.js';
import type { Processor, ProcessorDeps } from '../processor.js';

export interface MemoryLimiterConfig {
  /** How often memory is measured. Default 1s. */
  readonly check_interval: number;
  /**
   * Hard limit in MiB. Default: 90% of the memory this process may use (the container's limit
   * when there is one, else 1 GiB).
   */
  readonly limit_mib: number | undefined;
  /** Headroom below the hard limit: refusing starts at limit - spike. Default: 10% of that memory (so 80%). */
  readonly spike_limit_mib: number | undefined;
  /** Retry-After given to refused clients. Default 1s. */
  readonly retry_after: number;
}

const MIB = 1024 * 1024;

/** The memory the limits are a share of: the cgroup limit when set, else 1 GiB. */
function baseMemoryBytes(): number {
  const c = constrainedMemory();
  return c > 0 && c < 2 ** 50 ? c : 1024 * MIB;
}

const schema = object<MemoryLimiterConfig>(
  {
    check_interval: duration({ min: 10 }),
    limit_mib: optional(num({ min: 1 })),
    spike_limit_mib: optional(num({ min: 0 })),
    retry_after: duration({ min: 1 }),
  },
  { check_interval: 1000, retry_after: 1000 },
);

/** JavaScript heap in use plus memory held outside it by buffers (where span batches live). */
export function measureMemoryBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Refuses data while the process uses more memory than its soft limit (hard limit minus spike),
 * with a retryable MEMORY_LIMIT error (429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo), so
 * clients back off instead of the process running out of memory. Memory is measured every
 * `check_interval`, not per request. Placed first in a pipeline, it is also asked by the
 * receivers before they read a request (`admit`), so a refused body is never decoded.
 */
export const memoryLimiterProcessorFactory: ComponentFactory<MemoryLimiterConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'memory_limiter',
  signals: ['traces', 'logs'],
  defaultConfig: () => parseConfig(schema, {}, 'processors.memory_limiter'),
  validateConfig(config, path = 'processors.memory_limiter') {
    const c = parseConfig(schema, config, path);
    const limit = c.limit_mib ?? (0.9 * baseMemoryBytes()) / MIB;
    const spike = c.spike_limit_mib ?? (0.1 * baseMemoryBytes()) / MIB;
    if (spike >= limit) throw new ConfigError(`${path}.spike_limit_mib: must be below limit_mib (${limit} MiB) (got ${spike})`);
    return { ...c, limit_mib: limit, spike_limit_mib: spike };
  },
  create(config, deps) {
    const hardBytes = config.limit_mib! * MIB;
    const softBytes = (config.limit_mib! - config.spike_limit_mib!) * MIB;
    let used = measureMemoryBytes();
    let refusing = used > softBytes;
    let timer: NodeJS.Timeout | undefined;
    const refusals = deps.telemetry.counter('tracelight_memory_limiter_refused_total', 'Requests and batches the memory limiter refused.');
    deps.telemetry.gaugeFunc('tracelight_memory_limiter_refusing', 'Whether the memory limiter is refusing data (1) or not (0).', () => [
      { labels: { processor: deps.id, pipeline: deps.pipeline }, value: refusing ? 1 : 0 },
    ]);
    deps.telemetry.gaugeFunc('tracelight_memory_limiter_soft_limit_bytes', 'Memory use above which the memory limiter refuses data.', () => [
      { labels: { processor: deps.id, pipeline: deps.pipeline }, value: softBytes },
    ]);
    const check = () => {
      used = measureMemoryBytes();
      if (used > hardBytes) (globalThis as { gc?: () => void }).gc?.();
      refusing = used > softBytes;
    };
    const refusal = () =>
      new TracelightError(
        'MEMORY_LIMIT',
        `memory use ${Math.round(used / MIB)} MiB is above the soft limit of ${Math.round(softBytes / MIB)} MiB; retry later`,
        { retryable: true, retryAfterMs: config.retry_after },
      );
    const admit = () => {
      if (!refusing) return undefined;
      refusals.add(1, { processor: deps.id, pipeline: deps.pipeline });
      return refusal();
    };
    return {
      admit,
      async start() {
        check();
        timer ??= setInterval(check, config.check_interval);
        timer.unref();
      },
      async shutdown() {
        clearInterval(timer);
      },
      async consumeTraces(batch) {
        const r = admit();
        return r ? exportFailure(r) : consume(deps.next, 'traces', batch);
      },
      async consumeLogs(batch) {
        const r = admit();
        return r ? exportFailure(r) : consume(deps.next, 'logs', batch);
      },
    };
  },
};
