import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

describe('parseGoDuration', () => {
  it('reads what Go reads, exactly, in nanoseconds', () => {
    expect(parseGoDuration('1.2s')).toBe(1_200_000_000n);
    expect(parseGoDuration('100ms')).toBe(100_000_000n);
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('1.5h')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('500us')).toBe(500_000n);
    expect(parseGoDuration('500µs')).toBe(500_000n);
    expect(parseGoDuration('500μs')).toBe(500_000n);
    expect(parseGoDuration('7ns')).toBe(7n);
    expect(parseGoDuration('.5s')).toBe(500_000_000n);
    expect(parseGoDuration('1.s')).toBe(1_000_000_000n);
    expect(parseGoDuration('0')).toBe(0n);
    expect(parseGoDuration('-2m')).toBe(-120_000_000_000n);
    expect(parseGoDuration('1.0000000009s')).toBe(1_000_000_000n); // truncated like Go
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['', '1', 's', '1d', '1x', '1.2.3s', ' 1s', '1s ', '--1s', '.s', '9999999999h']) expect(parseGoDuration(bad), bad).toBeUndefined();
  });

  it('takes days only when asked (Jaeger UI lookbacks)', () => {
    expect(parseGoDuration('2d', { allowDays: true })).toBe(172_800_000_000_000n);
  });
});

describe('formatGoDuration', () => {
  it('writes what Go writes', () => {
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(12n)).toBe('12ns');
    expect(formatGoDuration(1_500n)).toBe('1.5µs');
    expect(formatGoDuration(55_000_000n)).toBe('55ms');
    expect(formatGoDuration(1_234_567n)).toBe('1.234567ms');
    expect(formatGoDuration(1_500_000_000n)).toBe('1.5s');
    expect(formatGoDuration(-1_500_000_000n)).toBe('-1.5s');
    expect(formatGoDuration(150_000_000_000n)).toBe('2m30s');
    expect(formatGoDuration(3_600_000_000_000n)).toBe('1h0m0s');
    expect(formatGoDuration(3_723_000_000_001n)).toBe('1h2m3.000000001s');
  });
});
