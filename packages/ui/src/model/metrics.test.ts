import { describe, expect, it } from 'vitest';
import { alignSeries, seriesByKey, stepFor, weightedMean } from './metrics.js';

describe('metrics helpers', () => {
  const family = {
    name: 'service_operation_call_rate',
    type: 'GAUGE' as const,
    help: '',
    metrics: [
      { labels: [{ name: 'service_name', value: 'web' }], metricPoints: [{ gaugeValue: { doubleValue: 2 }, timestamp: '2024-05-01T10:01:00Z' }, { gaugeValue: { doubleValue: 1 }, timestamp: '2024-05-01T10:00:00Z' }] },
      { labels: [{ name: 'service_name', value: 'web' }, { name: 'operation', value: 'GET /' }], metricPoints: [{ gaugeValue: { doubleValue: 5 }, timestamp: '2024-05-01T10:01:00Z' }] },
    ],
  };
  it('keys series by service and operation, points in time order', () => {
    const m = seriesByKey(family);
    const t = Date.parse('2024-05-01T10:00:00Z') / 1000;
    expect(m.get('web')).toEqual([
      [t, 1],
      [t + 60, 2],
    ]);
    expect(m.get('web\u0000GET /')).toEqual([[t + 60, 5]]);
  });
  it('aligns series on one x axis', () => {
    expect(
      alignSeries([
        { label: 'a', points: [[1, 10], [3, 30]] },
        { label: 'b', points: [[2, 20]] },
      ]),
    ).toEqual([
      [1, 2, 3],
      [10, null, 30],
      [null, 20, null],
    ]);
  });
  it('weights error rates by calls, and picks steps', () => {
    expect(weightedMean([[1, 0.5], [2, 0]], [[1, 1], [2, 3]])).toBeCloseTo(0.125);
    expect(stepFor(3_600_000_000_000n)).toBe(60_000_000_000n);
    expect(stepFor(10_000_000_000n)).toBe(1_000_000_000n);
  });
});
