// Attributes for search are stored as one Array(String) of pairs, not as two arrays of keys and
// values: an exact key = value match is then `has(attrs, pair)` (no lambda, and the column a
// bloom-filter skip index can serve on newer servers). The key's length goes first, so no key or
// value content, however odd, can make two different pairs read alike: "4:http=GET".
/** A key and a value's text form as one searchable string. */
export function attributePair(key: string, value: string): string {
  return `${key.length}:${key}=${value}`;
}
