import { describe, expect, it } from 'vitest';
import { createAdaptiveSampling, DEFAULT_ADAPTIVE_CONFIG, nextProbability } from './adaptive.js';

const config = { ...DEFAULT_ADAPTIVE_CONFIG, target_samples_per_second: 10, initial_sampling_probability: 1 };

describe('adaptive sampling', () => {
  it('computes the next probability like Jaeger: p·target/observed, tolerance, capped increase, doubling at zero, bounds', () => {
    expect(nextProbability(config, 1, 100)).toBeCloseTo(0.1, 12);
    expect(nextProbability(config, 0.1, 12)).toBe(0.1); // within 30%
    expect(nextProbability(config, 0.1, 2)).toBeCloseTo(0.15, 12); // would be 0.5: capped at +50%
    expect(nextProbability(config, 0.1, 0)).toBeCloseTo(0.2, 12);
    expect(nextProbability(config, 0.8, 0)).toBe(1);
    expect(nextProbability(config, 1e-5, 1e6)).toBe(1e-5);
  });

  it('converges on the target for a steady stream of traffic', () => {
    const a = createAdaptiveSampling(config);
    const traffic = 500; // requests/s at the service
    let rand = 7;
    const random = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let interval = 0; interval < 12; interval++) {
      const p = a.probabilityOf('api', 'GET /x');
      for (let i = 0; i < traffic; i++) if (random() < p) a.observe('api', 'GET /x');
      a.recalculate(1000);
    }
    const p = a.probabilityOf('api', 'GET /x');
    expect(p * traffic).toBeGreaterThan(10 * 0.6);
    expect(p * traffic).toBeLessThan(10 * 1.4);
    expect(a.throughputOf('api', 'GET /x')).toBeGreaterThan(5);
    const s = a.strategyFor('api');
    expect(s.strategyType).toBe('PROBABILISTIC');
    expect(s.operationSampling?.perOperationStrategies).toEqual([{ operation: 'GET /x', probabilisticSampling: { samplingRate: p } }]);
    expect(a.strategyFor('other').operationSampling?.perOperationStrategies).toEqual([]);
  });

  it('takes the probability a span carries over the one served', () => {
    const a = createAdaptiveSampling(config);
    for (let i = 0; i < 40; i++) a.observe('api', 'op', 0.25);
    a.recalculate(1000);
    expect(a.probabilityOf('api', 'op')).toBeCloseTo(0.0625, 12);
  });

  it('bounds what it tracks', () => {
    const a = createAdaptiveSampling({ ...config, max_operations_per_service: 2, max_services: 1 });
    for (const op of ['a', 'b', 'c']) a.observe('s', op);
    a.observe('t', 'a');
    a.recalculate(1000);
    expect(a.strategyFor('s').operationSampling?.perOperationStrategies.map((o) => o.operation)).toEqual(['a', 'b']);
    expect(a.throughputOf('t', 'a')).toBeUndefined();
  });
});
