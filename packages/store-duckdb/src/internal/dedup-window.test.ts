import { describe, expect, it } from 'vitest';
import { createDedupWindow } from './dedup-window.js';

function ids(n: number): Uint8Array {
  const b = new Uint8Array(24);
  new DataView(b.buffer).setUint32(20, n + 1);
  b[0] = 0xab;
  return b;
}

describe('dedup window', () => {
  it('recognises a repeated (trace, span) pair, not a new one', () => {
    const w = createDedupWindow(1024);
    expect(w.seen(ids(1), 0, ids(1), 16)).toBe(false);
    expect(w.seen(ids(1), 0, ids(1), 16)).toBe(true);
    expect(w.seen(ids(2), 0, ids(2), 16)).toBe(false);
  });

  it('keeps at least half its capacity of the latest pairs and forgets older ones', () => {
    const w = createDedupWindow(1024);
    for (let i = 0; i < 5000; i++) expect(w.seen(ids(i), 0, ids(i), 16)).toBe(false);
    for (let i = 5000 - 512; i < 5000; i++) expect(w.seen(ids(i), 0, ids(i), 16)).toBe(true);
    expect(w.seen(ids(0), 0, ids(0), 16)).toBe(false);
  });

  it('never treats all-zero ids as seen', () => {
    const w = createDedupWindow(1024);
    const zero = new Uint8Array(24);
    expect(w.seen(zero, 0, zero, 16)).toBe(false);
    expect(w.seen(zero, 0, zero, 16)).toBe(false);
  });
});
