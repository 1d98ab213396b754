/** The search form, as kept in the URL. */
export interface SearchForm {
  readonly service?: string;
  readonly operation?: string;
  /** `key=value` pairs, one per line or separated by spaces (values with spaces in quotes). */
  readonly tags?: string;
  /** Go-style durations: 100ms, 1.5s, 250us. */
  readonly minDuration?: string;
  readonly maxDuration?: string;
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

const DURATION = /^\d+(\.\d+)?(ns|us|µs|μs|ms|s|m|h)$/;

/** Whether `text` is a duration the query language takes (100ms, 1.5s). */
export function isDuration(text: string): boolean {
  return DURATION.test(text.trim());
}

/**
 * Parses `key=value` pairs. Pairs are split by newlines or by spaces outside double quotes;
 * a value may be quoted ("two words"). Returns the pairs and the pieces that are not pairs.
 */
export function parseTags(text: string): { tags: Tag[]; errors: string[] } {
  const tags: Tag[] = [];
  const errors: string[] = [];
  const pieces: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) {
      if (cur) pieces.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) pieces.push(cur);
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq <= 0) {
      errors.push(piece);
      continue;
    }
    const key = piece.slice(0, eq).replace(/^"(.*)"$/, '$1');
    const value = piece.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    tags.push({ key, value });
  }
  return { tags, errors };
}

const quote = (s: string) => JSON.stringify(s);

/**
 * The query-language text (docs/api.md) for a search form. Tags work as in Jaeger: looked up in
 * span, resource and event attributes, compared by text; `error=true` means status error.
 */
export function buildQuery(form: SearchForm): string {
  const parts: string[] = [];
  if (form.service) parts.push(`service = ${quote(form.service)}`);
  if (form.operation) parts.push(`name = ${quote(form.operation)}`);
  for (const { key, value } of parseTags(form.tags ?? '').tags) {
    if (key === 'error' && (value === 'true' || value === 'false')) parts.push(value === 'true' ? 'status = error' : 'status != error');
    else parts.push(`attr.${quote(key)} = ${quote(value)}`);
  }
  if (form.minDuration && isDuration(form.minDuration)) parts.push(`duration >= ${form.minDuration.trim()}`);
  if (form.maxDuration && isDuration(form.maxDuration)) parts.push(`duration <= ${form.maxDuration.trim()}`);
  return parts.join(' AND ');
}

/** The time ranges offered, as lookback durations the API takes. */
export const LOOKBACKS: readonly { readonly value: string; readonly label: string; readonly nanos: bigint }[] = [
  { value: '5m', label: 'Last 5 minutes', nanos: 300_000_000_000n },
  { value: '15m', label: 'Last 15 minutes', nanos: 900_000_000_000n },
  { value: '1h', label: 'Last hour', nanos: 3_600_000_000_000n },
  { value: '2h', label: 'Last 2 hours', nanos: 7_200_000_000_000n },
  { value: '6h', label: 'Last 6 hours', nanos: 21_600_000_000_000n },
  { value: '12h', label: 'Last 12 hours', nanos: 43_200_000_000_000n },
  { value: '24h', label: 'Last 24 hours', nanos: 86_400_000_000_000n },
  { value: '2d', label: 'Last 2 days', nanos: 172_800_000_000_000n },
  { value: '7d', label: 'Last 7 days', nanos: 604_800_000_000_000n },
];

export function lookbackNanos(value: string | undefined): bigint | undefined {
  return LOOKBACKS.find((l) => l.value === value)?.nanos;
}
