import type { AnyValue } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { attributesFromRun, attributesToRun, escapeField, fromText, fromTyped, searchPattern, textOf, toTyped, typeCodeOf, unescapeField } from './value-codec.js';

const values: AnyValue[] = [
  'plain', '', 'ctl \x00 \x1b \x1c \x1d \x1e \x1f end', true, false, 0n, -9223372036854775808n, 9223372036854775807n,
  0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, new Uint8Array([0, 255]), null,
  ['a', 1n, [2.5, null]], { kvlist: [{ key: 'k', value: { kvlist: [{ key: 'n', value: 1n }] } }] },
];

describe('value codec', () => {
  it('gives every scalar back from its text form and type code', () => {
    for (const v of values) {
      const code = typeCodeOf(v);
      if (code === 'a' || code === 'k') continue;
      expect(fromText(textOf(v), code)).toEqual(v);
    }
  });

  it('gives every value back from its typed JSON', () => {
    for (const v of values) expect(fromTyped(JSON.parse(JSON.stringify(toTyped(v))))).toEqual(v);
  });

  it('escapes delimiters and NUL reversibly', () => {
    const s = 'a\x00b\x1bc\x1fd\x1b0';
    expect([...escapeField(s)].some((c) => c === '\x00' || (c >= '\x1c' && c <= '\x1f'))).toBe(false);
    expect(unescapeField(escapeField(s))).toBe(s);
  });

  it('searchable runs parse back exactly and a pattern finds only its key and value', () => {
    const attributes = values.map((value, i) => ({ key: i === 2 ? 'k\x1fey' : `k${i}`, value }));
    const run = attributesToRun(attributes);
    expect(attributesFromRun(run)).toEqual(attributes);
    expect(run.includes(searchPattern('k3', 'true'))).toBe(true);
    expect(run.includes(searchPattern('k3', 'false'))).toBe(false);
    expect(run.includes(searchPattern('k\x1fey', 'ctl \x00 \x1b \x1c \x1d \x1e \x1f end'))).toBe(true);
    expect(run.includes(searchPattern('k', '3'))).toBe(false);
  });
});
