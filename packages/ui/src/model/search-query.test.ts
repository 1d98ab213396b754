import { describe, expect, it } from 'vitest';
import { buildQuery, isDuration, parseTags } from './search-query.js';
import { formatDuration, formatPercent, niceTicks } from './format.js';

describe('search form to query', () => {
  it('parses key=value tags, quoted values and errors', () => {
    expect(parseTags('http.status_code=500 note="two words"\nbad')).toEqual({
      tags: [
        { key: 'http.status_code', value: '500' },
        { key: 'note', value: 'two words' },
      ],
      errors: ['bad'],
    });
  });

  it('builds the query language text, quoting everything that comes from people', () => {
    expect(buildQuery({ service: 'checkout', operation: 'GET "x"', tags: 'error=true http.route=/a', minDuration: '10ms', maxDuration: '2s' })).toBe(
      'service = "checkout" AND name = "GET \\"x\\"" AND status = error AND attr."http.route" = "/a" AND duration >= 10ms AND duration <= 2s',
    );
    expect(buildQuery({})).toBe('');
    expect(buildQuery({ minDuration: '10 parsecs' })).toBe('');
  });

  it('knows durations', () => {
    expect(['1ms', '1.5s', '250us', '3m'].every(isDuration)).toBe(true);
    expect(['', 'ms', '1 ms', '1d'].some(isDuration)).toBe(false);
  });
});

describe('format', () => {
  it('durations', () => {
    expect([850, 12_300, 4_560_000, 1_230_000_000, 125e9, 3723e9].map(formatDuration)).toEqual(['850ns', '12.3µs', '4.56ms', '1.23s', '2m 5s', '1h 2m']);
    expect([1_000_000, 400_000_000, 270_000_000, 100_000, 0, 1_500_000].map(formatDuration)).toEqual(['1ms', '400ms', '270ms', '100µs', '0', '1.5ms']);
  });
  it('percent and ticks', () => {
    expect([0.005, 0.5, 1].map(formatPercent)).toEqual(['0.5%', '50%', '100%']);
    expect(niceTicks(100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});
