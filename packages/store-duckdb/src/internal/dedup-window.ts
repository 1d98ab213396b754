/**
 * Remembers the (trace id, span id) pairs of the most recent spans written, so that a retried
 * export (the same spans again, seconds or minutes later) is recognised and not stored twice.
 * Reads still collapse duplicates that got past it (older than the window, or from before a
 * restart the window was not primed with).
 *
 * Two generations of open-addressing hash tables over the raw 24 id bytes (6 × u32 per slot, no
 * objects, no strings): inserts go to the current one; when it is half full it becomes the
 * previous one and the old previous is cleared. So the window holds between `capacity / 2` and
 * `capacity` of the latest pairs, in 2 × capacity × 24 bytes.
 */
export interface DedupWindow {
  /** True when the pair was seen within the window; remembers it otherwise. */
  seen(traceId: Uint8Array, traceOffset: number, spanId: Uint8Array, spanOffset: number): boolean;
}

export function createDedupWindow(capacity: number): DedupWindow {
  const slots = Math.max(1024, 2 ** Math.ceil(Math.log2(capacity)));
  const mask = slots - 1;
  let current = new Uint32Array(slots * 6);
  let previous = new Uint32Array(slots * 6);
  let used = 0;
  const key = new Uint32Array(6);

  const find = (table: Uint32Array, h: number): number => {
    for (let i = h; ; i = (i + 1) & mask) {
      const o = i * 6;
      if ((table[o] | table[o + 1] | table[o + 2] | table[o + 3] | table[o + 4] | table[o + 5]) === 0) return -1 - i;
      if (table[o] === key[0] && table[o + 1] === key[1] && table[o + 2] === key[2] && table[o + 3] === key[3] && table[o + 4] === key[4] && table[o + 5] === key[5]) return i;
    }
  };

  return {
    seen(traceId, traceOffset, spanId, spanOffset) {
      let h = 0x811c9dc5;
      let zero = true;
      for (let w = 0; w < 6; w++) {
        const ids = w < 4 ? traceId : spanId;
        const o = w < 4 ? traceOffset + 4 * w : spanOffset + 4 * (w - 4);
        const v = (ids[o] | (ids[o + 1] << 8) | (ids[o + 2] << 16) | (ids[o + 3] << 24)) >>> 0;
        key[w] = v;
        if (v !== 0) zero = false;
        h = Math.imul(h ^ v, 0x01000193);
        h ^= h >>> 15;
      }
      if (zero) return false;
      h = (h >>> 0) & mask;
      if (find(previous, h) >= 0) return true;
      const at = find(current, h);
      if (at >= 0) return true;
      current.set(key, (-1 - at) * 6);
      if (++used >= slots / 2) {
        const cleared = previous;
        cleared.fill(0);
        previous = current;
        current = cleared;
        used = 0;
      }
      return false;
    },
  };
}
