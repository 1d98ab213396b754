import { describe, expect, it } from 'vitest';
import { createIdGenerator } from './id-generator.js';

describe('createIdGenerator', () => {
  it('makes lower-case hex ids of 16 and 8 bytes, all different, across pool refills', () => {
    const ids = createIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    // 3000 x 24 bytes is well over the 4 KiB pool: it is refilled many times.
    for (let i = 0; i < 3000; i++) {
      const t = ids.generateTraceId();
      const s = ids.generateSpanId();
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(s).toMatch(/^[0-9a-f]{16}$/);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(3000);
    expect(spans.size).toBe(3000);
  });

  it('spreads values over every hex digit in every position (random, not a counter)', () => {
    const ids = createIdGenerator();
    const digits = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...ids.generateTraceId()].forEach((d, j) => digits[j].add(d));
    for (const seen of digits) expect(seen.size).toBe(16);
  });
});
