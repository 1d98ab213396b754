// What the server can do, from `SELECT version()`. The base schema sticks to what 18.16 (Debian
// bookworm's package) has; newer servers get the features below. The thresholds are the first
// releases where each feature works without an experimental setting, rounded up to releases
// that fixed the early bugs (see the ADR).

export interface ClickHouseFeatures {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  /** LowCardinality(String) for service and span names (19.9+; experimental before). */
  readonly lowCardinality: boolean;
  /** Column codecs: Delta for times, ZSTD for blobs (19.11+). */
  readonly codecs: boolean;
  /** Table TTL, so old rows go without applyRetention (19.6+). */
  readonly ttl: boolean;
  /** Data-skipping indexes incl. bloom_filter, without the experimental setting (20.1+). */
  readonly skipIndexes: boolean;
}

/** Parses "18.16.1" / "23.8.2.7"; unknown text gets the 18.16 feature set. */
export function featuresOf(version: string): ClickHouseFeatures {
  const m = /^(\d+)\.(\d+)/.exec(version.trim());
  const major = m ? Number(m[1]) : 0;
  const minor = m ? Number(m[2]) : 0;
  const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b);
  return {
    version: version.trim(),
    major,
    minor,
    lowCardinality: atLeast(19, 9),
    codecs: atLeast(19, 11),
    ttl: atLeast(19, 6),
    skipIndexes: atLeast(20, 1),
  };
}
