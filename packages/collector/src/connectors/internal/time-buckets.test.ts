import { describe, expect, it } from 'vitest';
import { createTimeBuckets } from './time-buckets.js';

describe('time buckets', () => {
  it('keeps buckets inside the retention window, drops older ones as time moves, refuses times far ahead', () => {
    const t = createTimeBuckets<string>(1000, 5000);
    const now = 1_700_000_000_000;
    t.setNow(now);
    const idx = t.indexOf(now);
    expect(t.at(idx)).toBeDefined();
    expect(t.at(idx - 4)).toBeDefined();
    expect(t.at(idx - 5)).toBeUndefined(); // older than the retention
    expect(t.at(idx + 300)).toBeDefined(); // clock skew up to 5 minutes ahead
    expect(t.at(idx + 301)).toBeUndefined();
    t.at(idx)!.set('a', Float64Array.of(1));
    t.setNow(now + 10_000);
    t.at(t.indexOf(now + 10_000)); // a new bucket prunes the ones that left the window
    expect([...t.entries()].map(([k]) => k - idx)).toEqual([300, 10]);
    expect(t.coversFromUnixNano(now + 10_000)).toBe(BigInt(now + 6_000) * 1_000_000n);
    expect(t.lastIndex()).toBe(idx + 10);
  });
});
