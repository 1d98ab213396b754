import type { Context } from '@opentelemetry/api';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createTraceContextPropagator } from './trace-context-propagator.js';
import { formatTraceparent, parseTraceparent, TRACE_FLAG_RANDOM } from './traceparent.js';
import { isValidTracestateKey, isValidTracestateValue, parseTracestate, W3CTraceState } from './tracestate.js';

// Written from the W3C Trace Context specification (levels 1 and 2), section by section.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;
const propagator = createTraceContextPropagator();

function extract(headers: Record<string, string | string[]>): Context {
  return propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}
function inject(ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  propagator.inject(ctx, out, defaultTextMapSetter);
  return out;
}

describe('traceparent parsing (3.2)', () => {
  it('parses a valid version-00 header', () => {
    expect(parseTraceparent(VALID)).toEqual({ version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 1 });
  });

  it.each([
    ['version ff is invalid', `ff-${TRACE}-${SPAN}-01`],
    ['version with a non-hex character', `.0-${TRACE}-${SPAN}-01`],
    ['version too long', `000-${TRACE}-${SPAN}-01`],
    ['version too short', `0-${TRACE}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['trace id too long', `00-${TRACE}a-${SPAN}-01`],
    ['trace id too short', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['parent id too long', `00-${TRACE}-${SPAN}a-01`],
    ['parent id too short', `00-${TRACE}-${SPAN.slice(1)}-01`],
    ['trace id with an illegal character', `00-.${TRACE.slice(1)}-${SPAN}-01`],
    ['parent id with an illegal character', `00-${TRACE}-${SPAN.slice(0, 15)}.-01`],
    ['upper-case hex in the trace id', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['upper-case hex in the version', `0A-${TRACE}-${SPAN}-01`],
    ['flags with an illegal character', `00-${TRACE}-${SPAN}-.0`],
    ['flags too long', `00-${TRACE}-${SPAN}-001`],
    ['flags too short', `00-${TRACE}-${SPAN}-1`],
    ['version 00 with trailing data', `${VALID}-what-the-future-will-be-like`],
    ['version 00 with a trailing dot', `${VALID}.`],
    ['future version whose extra data does not start with a dash', `cc-${TRACE}-${SPAN}-01.what-the-future`],
    ['two headers folded into one', `${VALID}, 00-${TRACE.replace('4', '5')}-${SPAN}-01`],
    ['empty', ''],
  ])('ignores: %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('accepts future versions, with or without extra fields, and reads the known fields', () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01`)).toEqual({ version: 0xcc, traceId: TRACE, spanId: SPAN, traceFlags: 1 });
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-will-be-like`)?.traceId).toBe(TRACE);
  });

  it('allows optional whitespace around the value', () => {
    for (const h of [` ${VALID}`, `\t${VALID}`, `${VALID} `, `${VALID}\t`, `\t ${VALID} \t`]) {
      expect(parseTraceparent(h)?.traceId).toBe(TRACE);
    }
  });

  it('keeps the sampled and random flags and clears unknown bits', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.traceFlags).toBe(3);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-02`)?.traceFlags).toBe(TRACE_FLAG_RANDOM);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-ff`)?.traceFlags).toBe(3);
  });

  it('formats version 00 with two-digit lower-case flags', () => {
    expect(formatTraceparent(TRACE, SPAN, 3)).toBe(`00-${TRACE}-${SPAN}-03`);
    expect(formatTraceparent(TRACE, SPAN, 0)).toBe(`00-${TRACE}-${SPAN}-00`);
  });
});

describe('tracestate keys and values (3.3.1)', () => {
  it('accepts simple keys of 1 to 256 characters starting with a lower-case letter', () => {
    expect(isValidTracestateKey('a')).toBe(true);
    expect(isValidTracestateKey('abcdefghijklmnopqrstuvwxyz0123456789_-*/')).toBe(true);
    expect(isValidTracestateKey('z'.repeat(256))).toBe(true);
    expect(isValidTracestateKey('z'.repeat(257))).toBe(false);
    expect(isValidTracestateKey('0abc')).toBe(false);
    expect(isValidTracestateKey('FOO')).toBe(false);
    expect(isValidTracestateKey('foo ')).toBe(false);
    expect(isValidTracestateKey('foo.bar')).toBe(false);
    expect(isValidTracestateKey('')).toBe(false);
  });

  it('accepts multi-tenant keys: tenant up to 241 (may start with a digit), system up to 14', () => {
    expect(isValidTracestateKey('tenant@system')).toBe(true);
    expect(isValidTracestateKey('0tenant@sys')).toBe(true);
    expect(isValidTracestateKey(`${'t'.repeat(241)}@${'v'.repeat(14)}`)).toBe(true);
    expect(isValidTracestateKey(`${'t'.repeat(242)}@v`)).toBe(false);
    expect(isValidTracestateKey(`t@${'v'.repeat(15)}`)).toBe(false);
    expect(isValidTracestateKey('foo@')).toBe(false);
    expect(isValidTracestateKey('@foo')).toBe(false);
    expect(isValidTracestateKey('foo@@bar')).toBe(false);
    expect(isValidTracestateKey('foo@bar@baz')).toBe(false);
    expect(isValidTracestateKey('t@0sys')).toBe(false);
  });

  it('accepts values of printable ASCII except comma and equals, not ending in a space', () => {
    const all =
      String.fromCharCode(...Array.from({ length: 0x2b - 0x20 + 1 }, (_, i) => 0x20 + i)) +
      String.fromCharCode(...Array.from({ length: 0x3c - 0x2d + 1 }, (_, i) => 0x2d + i)) +
      String.fromCharCode(...Array.from({ length: 0x7e - 0x3e + 1 }, (_, i) => 0x3e + i));
    expect(isValidTracestateValue(all)).toBe(true);
    expect(isValidTracestateValue('x'.repeat(256))).toBe(true);
    expect(isValidTracestateValue('x'.repeat(257))).toBe(false);
    expect(isValidTracestateValue('')).toBe(false);
    expect(isValidTracestateValue('a,b')).toBe(false);
    expect(isValidTracestateValue('a=b')).toBe(false);
    expect(isValidTracestateValue('ab ')).toBe(false);
    expect(isValidTracestateValue('a\tb')).toBe(false);
    expect(isValidTracestateValue('é')).toBe(false);
  });
});

describe('tracestate parsing (3.3)', () => {
  it('combines several headers in order and trims optional whitespace around members', () => {
    const ts = parseTracestate(['foo=1 \t , \t bar=2', 'rojo=1,congo=2', 'baz=3']);
    expect(ts?.serialize()).toBe('foo=1,bar=2,rojo=1,congo=2,baz=3');
  });

  it('skips empty members and empty headers', () => {
    expect(parseTracestate('foo=1,,bar=2, ,')?.serialize()).toBe('foo=1,bar=2');
    expect(parseTracestate(['', 'foo=1'])?.serialize()).toBe('foo=1');
    expect(parseTracestate('')).toBeUndefined();
  });

  it.each([
    ['a duplicated key', 'foo=1,foo=1'],
    ['a duplicated key with another value', 'foo=1,foo=2'],
    ['an illegal key', 'foo =1'],
    ['an upper-case key', 'FOO=1'],
    ['a key with a dot', 'foo.bar=1'],
    ['an empty vendor part', 'foo@=1,bar=2'],
    ['an empty tenant part', '@foo=1,bar=2'],
    ['two @', 'foo@bar@baz=1,bar=2'],
    ['a value with =', 'foo=bar=baz'],
    ['an empty value', 'foo=,bar=3'],
    ['a member without =', 'foo,bar=3'],
    ['a 257-character key', `foo=1,${'z'.repeat(257)}=1`],
  ])('discards the whole header with %s', (_name, header) => {
    expect(parseTracestate(header)).toBeUndefined();
  });

  it('keeps 32 members and discards a header with 33', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `bar${String(i + 1).padStart(2, '0')}=${i}`).join(',');
    expect(parseTracestate(members(32))?.size).toBe(32);
    expect(parseTracestate(members(33))).toBeUndefined();
  });
});

describe('tracestate mutation (3.5)', () => {
  it('moves an updated or added member to the front and removes on unset', () => {
    const ts = new W3CTraceState([['foo', '1'], ['bar', '2'], ['ot', 'th:8']]);
    expect(ts.set('ot', 'th:4').serialize()).toBe('ot=th:4,foo=1,bar=2');
    expect(ts.set('new', 'x').serialize()).toBe('new=x,foo=1,bar=2,ot=th:8');
    expect(ts.unset('bar').serialize()).toBe('foo=1,ot=th:8');
    expect(ts.serialize()).toBe('foo=1,bar=2,ot=th:8');
  });

  it('ignores invalid keys and values on set', () => {
    const ts = new W3CTraceState([['foo', '1']]);
    expect(ts.set('BAD', 'x')).toBe(ts);
    expect(ts.set('ok', 'a,b')).toBe(ts);
  });

  it('drops the rightmost member when adding a 33rd', () => {
    const entries = Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'] as const);
    const ts = new W3CTraceState(entries).set('ours', 'x');
    expect(ts.size).toBe(32);
    expect(ts.get('ours')).toBe('x');
    expect(ts.get('k31')).toBeUndefined();
  });

  it('keeps the serialized header within 512 characters, long members first', () => {
    const long = 'l'.repeat(200);
    const entries: Array<readonly [string, string]> = [['a', long]];
    for (let i = 0; i < 20; i++) entries.push([`k${i}`, 'v'.repeat(20)]);
    const out = new W3CTraceState(entries).serialize();
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out).not.toContain(long);
    expect(out.startsWith('k0=')).toBe(true);
  });
});

describe('propagator extract and inject', () => {
  it('round-trips traceparent and tracestate and marks the context remote', () => {
    const ctx = extract({ traceparent: VALID, tracestate: 'foo=1,bar=2' });
    const sc = trace.getSpanContext(ctx)!;
    expect(sc).toMatchObject({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(inject(ctx)).toEqual({ traceparent: VALID, tracestate: 'foo=1,bar=2' });
  });

  it('keeps the random flag through extract and inject (level 2)', () => {
    const ctx = extract({ traceparent: `00-${TRACE}-${SPAN}-03` });
    expect(inject(ctx).traceparent).toBe(`00-${TRACE}-${SPAN}-03`);
  });

  it('ignores tracestate when traceparent is missing or invalid', () => {
    expect(trace.getSpanContext(extract({ tracestate: 'foo=1' }))).toBeUndefined();
    expect(trace.getSpanContext(extract({ traceparent: `ff-${TRACE}-${SPAN}-01`, tracestate: 'foo=1' }))).toBeUndefined();
  });

  it('keeps a valid traceparent when tracestate is invalid, without tracestate', () => {
    const ctx = extract({ traceparent: VALID, tracestate: 'foo=1,foo=2' });
    expect(trace.getSpanContext(ctx)?.traceId).toBe(TRACE);
    expect(inject(ctx)).toEqual({ traceparent: VALID });
  });

  it('treats two traceparent headers as none', () => {
    expect(trace.getSpanContext(extract({ traceparent: [VALID, VALID] }))).toBeUndefined();
  });

  it('injects nothing without a valid span context', () => {
    expect(inject(ROOT_CONTEXT)).toEqual({});
  });
});
