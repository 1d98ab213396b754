import { describe, expect, it } from 'vitest';
import { hexToBytes } from './ids.js';
import {
  encodeThreshold,
  parseOtelSamplingState,
  parseThreshold,
  probabilityToThreshold,
  randomnessOf,
  samplingProbabilityOf,
  THRESHOLD_MAX,
  thresholdKeeps,
  thresholdToProbability,
  withThreshold,
} from './tracestate-threshold.js';

describe('tracestate threshold', () => {
  it('encodes the spec examples', () => {
    // Examples from the OTel "TraceState: Probability Sampling" spec.
    expect(encodeThreshold(probabilityToThreshold(1))).toBe('0');
    expect(encodeThreshold(probabilityToThreshold(0.5))).toBe('8');
    expect(encodeThreshold(probabilityToThreshold(0.25))).toBe('c');
    expect(encodeThreshold(probabilityToThreshold(0.1, 4))).toBe('e666');
    expect(encodeThreshold(probabilityToThreshold(0.01, 4))).toBe('fd71'); // 0.99 * 16^4 = 64880.64
    expect(encodeThreshold(probabilityToThreshold(1 / 3, 4))).toBe('aaab');
    expect(probabilityToThreshold(0)).toBe(THRESHOLD_MAX);
    expect(() => probabilityToThreshold(1.5)).toThrow(RangeError);
    expect(() => encodeThreshold(THRESHOLD_MAX)).toThrow(RangeError);
  });

  it('parses th and round-trips probabilities', () => {
    expect(parseThreshold('8')).toBe(1n << 55n);
    expect(parseThreshold('0')).toBe(0n);
    expect(parseThreshold('')).toBeUndefined();
    expect(parseThreshold('fffffffffffffff')).toBeUndefined(); // 15 digits
    expect(parseThreshold('E666')).toBeUndefined(); // upper case is not allowed
    expect(thresholdToProbability(parseThreshold('c')!)).toBe(0.25);
    expect(thresholdToProbability(parseThreshold('e666')!)).toBeCloseTo(0.1, 4);
    for (const p of [0.9, 0.5, 0.01, 1e-6]) expect(thresholdToProbability(probabilityToThreshold(p))).toBeCloseTo(p, 12);
  });

  it('reads th and rv from the ot entry among other vendors', () => {
    const s = parseOtelSamplingState('vendor=x,ot=rv:00000000000001;th:c;foo:bar,other=y');
    expect(s.threshold).toBe(parseThreshold('c'));
    expect(s.randomness).toBe(1n);
    expect(parseOtelSamplingState('ot=th:zz;rv:123')).toEqual({ threshold: undefined, randomness: undefined });
    expect(samplingProbabilityOf('ot=th:c')).toBe(0.25);
    expect(samplingProbabilityOf('')).toBe(1);
    expect(samplingProbabilityOf('ot=th:nothex')).toBe(1);
  });

  it('takes randomness from rv, else the last 7 bytes of the trace id', () => {
    const id = hexToBytes('0123456789abcdef00ffffffffffffff')!;
    expect(randomnessOf(id, 0, '')).toBe(0xffffffffffffffn);
    expect(randomnessOf(id, 0, 'ot=rv:00000000000010')).toBe(16n);
    const two = new Uint8Array(32);
    two.set(id, 16);
    expect(randomnessOf(two, 16, '')).toBe(0xffffffffffffffn);
    expect(thresholdKeeps(parseThreshold('8')!, 0x80000000000000n)).toBe(true);
    expect(thresholdKeeps(parseThreshold('8')!, 0x7fffffffffffffn)).toBe(false);
  });

  it('sets th, keeping other fields and moving ot to the front', () => {
    expect(withThreshold('', parseThreshold('8')!)).toBe('ot=th:8');
    expect(withThreshold('a=1,ot=rv:00000000000001;th:4,b=2', parseThreshold('c')!)).toBe('ot=th:c;rv:00000000000001,a=1,b=2');
  });
});
