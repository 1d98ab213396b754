/** Nanoseconds per unit, as BigInt, for exact conversions of epoch times. */
export const NANOS_PER_MICRO = 1_000n;
export const NANOS_PER_MILLI = 1_000_000n;
export const NANOS_PER_SECOND = 1_000_000_000n;

/** Now, in nanoseconds since the epoch (millisecond clock plus the monotonic clock's fraction). */
export function nowUnixNano(): bigint {
  const origin = BigInt(Math.round(performance.timeOrigin * 1e6));
  return origin + BigInt(Math.round(performance.now() * 1e6));
}

export function millisToNanos(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

export function nanosToMillis(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

/** Microseconds, rounded down (Jaeger's unit for span times). */
export function nanosToMicros(ns: bigint): bigint {
  return ns / NANOS_PER_MICRO;
}
