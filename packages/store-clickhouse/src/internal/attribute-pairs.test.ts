import { describe, expect, it } from 'vitest';
import { attributePair } from './attribute-pairs.js';

describe('attributePair', () => {
  it('keeps different key/value splits apart, whatever they contain', () => {
    const splits: [string, string][] = [['a', '=b'], ['a=', 'b'], ['a=b', ''], ['', 'a=b'], ['1:a', 'b'], ['a\0', 'b'], ['a', '\0b'], ['é', 'x'], ['', '']];
    const pairs = splits.map(([k, v]) => attributePair(k, v));
    expect(new Set(pairs).size).toBe(splits.length);
    expect(attributePair('http.method', 'GET')).toBe('11:http.method=GET');
  });
});
