import { createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { chainContext } from './chain-context.js';

const A = createContextKey('tracelight test a');
const B = createContextKey('tracelight test b');

describe('chainContext', () => {
  it('reads values set along the chain, newest first, and the root’s for other keys', () => {
    const root = ROOT_CONTEXT.setValue(A, 'root-a').setValue(B, 'root-b');
    const c = chainContext(root).setValue(A, 'a1').setValue(A, 'a2');
    expect(c.getValue(A)).toBe('a2');
    expect(c.getValue(B)).toBe('root-b');
    expect(chainContext(root).getValue(A)).toBe('root-a');
  });

  it('leaves the parent unchanged and hides a deleted key, also the root’s', () => {
    const parent = chainContext(ROOT_CONTEXT.setValue(B, 'root-b')).setValue(A, 'x');
    const child = parent.deleteValue(A).deleteValue(B);
    expect(child.getValue(A)).toBeUndefined();
    expect(child.getValue(B)).toBeUndefined();
    expect(parent.getValue(A)).toBe('x');
    expect(child.setValue(A, 'y').getValue(A)).toBe('y');
  });

  it('works with the trace API', () => {
    const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    const ctx = trace.setSpan(chainContext(ROOT_CONTEXT), span);
    expect(trace.getSpan(ctx)).toBe(span);
    expect(trace.getSpan(trace.deleteSpan(ctx))).toBeUndefined();
  });

  it('flattens a long chain without losing values or deletions', () => {
    let c = chainContext(ROOT_CONTEXT.setValue(B, 'root-b'));
    const keys = Array.from({ length: 100 }, (_, i) => createContextKey(`tracelight test k${i}`));
    keys.forEach((k, i) => (c = c.setValue(k, i)));
    c = c.deleteValue(keys[10]).setValue(keys[20], 'again');
    for (let i = 0; i < 100; i++) expect(c.getValue(keys[i])).toBe(i === 10 ? undefined : i === 20 ? 'again' : i);
    expect(c.getValue(B)).toBe('root-b');
    expect(c.deleteValue(B).getValue(B)).toBeUndefined();
  });
});
