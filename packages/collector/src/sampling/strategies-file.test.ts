import { describe, expect, it } from 'vitest';
import { parseStrategiesFile, strategiesFromFile } from './strategies-file.js';

const FILE = {
  service_strategies: [
    { service: 'foo', type: 'probabilistic', param: 0.8, operation_strategies: [{ operation: 'op1', type: 'probabilistic', param: 0.2 }] },
    { service: 'bar', type: 'ratelimiting', param: 5 },
    { service: 'baz', type: 'probabilistic', param: 0.4 },
  ],
  default_strategy: { type: 'probabilistic', param: 0.5, operation_strategies: [{ operation: 'health', type: 'probabilistic', param: 0 }, { operation: 'op1', type: 'probabilistic', param: 0.9 }] },
};

describe('strategies file', () => {
  const s = strategiesFromFile(parseStrategiesFile(JSON.stringify(FILE)));

  it('answers per service, merging the default operation strategies the way Jaeger does', () => {
    expect(s.strategyFor('foo')).toEqual({
      strategyType: 'PROBABILISTIC',
      probabilisticSampling: { samplingRate: 0.8 },
      operationSampling: {
        defaultSamplingProbability: 0.8,
        defaultLowerBoundTracesPerSecond: 0,
        perOperationStrategies: [
          { operation: 'op1', probabilisticSampling: { samplingRate: 0.2 } },
          { operation: 'health', probabilisticSampling: { samplingRate: 0 } },
        ],
      },
    });
    // No operations of its own: the default's, with the service's probability as the default.
    expect(s.strategyFor('baz').operationSampling?.defaultSamplingProbability).toBe(0.4);
    expect(s.strategyFor('baz').operationSampling?.perOperationStrategies.map((o) => o.operation)).toEqual(['health', 'op1']);
    expect(s.strategyFor('bar')).toMatchObject({ strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: 5 } });
    expect(s.strategyFor('bar').operationSampling?.defaultSamplingProbability).toBe(0.5);
    expect(s.strategyFor('unknown')).toMatchObject({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.5 } });
  });

  it('defaults to probabilistic 0.001 without a default strategy', () => {
    const bare = strategiesFromFile(parseStrategiesFile('{"service_strategies": []}'));
    expect(bare.strategyFor('x')).toEqual({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.001 } });
  });

  it('names every problem of a bad file', () => {
    const bad = {
      service_strategies: [{ service: 'a', type: 'probabilistic', param: 2 }, { type: 'probabilistic', param: 0.1 }, { service: 'c', type: 'sometimes', param: 1, operation_strategies: [{ operation: 'o', type: 'ratelimiting', param: 3 }] }],
      extra: 1,
    };
    expect(() => parseStrategiesFile(JSON.stringify(bad), 'f.json')).toThrow(
      /f\.json: extra: unknown key.*service_strategies\[0\]\.param: must be a probability.*service_strategies\[1\]: must have a "service" name.*service_strategies\[2\]\.type: must be.*operation strategies must be probabilistic/,
    );
    expect(() => parseStrategiesFile('{', 'f.json')).toThrow(/f\.json: not valid JSON/);
  });
});
