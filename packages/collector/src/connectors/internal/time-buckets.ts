/**
 * Tables of weighted numbers per time bucket (bucket `idx` covers [idx·resolution,
 * (idx+1)·resolution) ms), kept for a bounded window: what the connectors answer the query API
 * from (span metrics per minute, dependencies per minute). Times outside the window, older than
 * the retention or more than 5 minutes ahead of the clock, are not kept.
 */
export interface TimeBuckets<K> {
  readonly resolutionMs: number;
  /** Moves the window to `nowMs` (once per batch: the clock is not read per span). */
  setNow(nowMs: number): void;
  /** The bucket a time in ms falls in. */
  indexOf(ms: number): number;
  /** The table of bucket `idx`, made on first use; undefined outside the window. */
  at(idx: number): Map<K, Float64Array> | undefined;
  /** The bucket `at` answered last: a caller may keep a cell of it while this stays the same. */
  lastIndex(): number;
  entries(): IterableIterator<[number, Map<K, Float64Array>]>;
  /** The oldest time (ns since the epoch) the window still holds. */
  coversFromUnixNano(nowMs?: number): bigint;
}

const AHEAD_MS = 300_000;

export function createTimeBuckets<K>(resolutionMs: number, retentionMs: number): TimeBuckets<K> {
  const keep = Math.ceil(retentionMs / resolutionMs);
  const ahead = Math.ceil(AHEAD_MS / resolutionMs);
  const buckets = new Map<number, Map<K, Float64Array>>();
  let nowIdx = Math.floor(Date.now() / resolutionMs);
  let lastIdx = NaN;
  let last: Map<K, Float64Array> | undefined;
  let rejected = NaN;
  let prunedTo = -Infinity;
  return {
    resolutionMs,
    setNow(nowMs) {
      const idx = Math.floor(nowMs / resolutionMs);
      if (idx === nowIdx) return;
      nowIdx = idx;
      lastIdx = NaN; // the window moved: the cached bucket may have left it
      rejected = NaN;
    },
    indexOf: (ms) => Math.floor(ms / resolutionMs),
    at(idx) {
      if (idx === lastIdx) return last;
      if (idx === rejected) return undefined;
      const cutoff = nowIdx - keep;
      if (idx <= cutoff || idx > nowIdx + ahead) {
        rejected = idx;
        return undefined;
      }
      let b = buckets.get(idx);
      if (!b) {
        buckets.set(idx, (b = new Map()));
        if (cutoff > prunedTo) {
          prunedTo = cutoff;
          for (const k of buckets.keys()) if (k <= cutoff) buckets.delete(k);
        }
      }
      lastIdx = idx;
      last = b;
      return b;
    },
    lastIndex: () => lastIdx,
    entries: () => buckets.entries(),
    coversFromUnixNano(nowMs = Date.now()) {
      return BigInt((Math.floor(nowMs / resolutionMs) - keep + 1) * resolutionMs) * 1_000_000n;
    },
  };
}
