/**
 * Go's duration syntax (`time.ParseDuration` / `Duration.String`), which Jaeger's API speaks:
 * `minDuration=1.2s`, `lookback=1h30m`, and the "adjusted by 1.5ms" warnings of the clock-skew
 * adjuster. Exact: values are nanoseconds as bigint, fractions are truncated like Go does.
 */

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go durations are int64 nanoseconds (about 292 years). */
const MAX_NANOS = (1n << 63n) - 1n;

/**
 * Parses a Go duration string ("300ms", "-1.5h", "2h45m", "0"). With `allowDays`, a `d` unit
 * (24 h) is accepted too, as Jaeger UI's lookback values ("2d", "7d") need. Undefined when the
 * text is not a duration.
 */
export function parseGoDuration(text: string, options: { allowDays?: boolean } = {}): bigint | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return undefined;
    const unit = m[3] === 'd' && options.allowDays ? 86_400_000_000_000n : UNIT_NANOS[m[3]];
    if (unit === undefined) return undefined;
    const whole = m[1] === '' ? 0n : BigInt(m[1]);
    let value = whole * unit;
    const frac = m[2] ?? '';
    if (frac !== '') value += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += value;
    if (total > MAX_NANOS) return undefined;
    s = s.slice(m[0].length);
  }
  return negative ? -total : total;
}

function trimFraction(digits: string): string {
  const t = digits.replace(/0+$/, '');
  return t === '' ? '' : `.${t}`;
}

/** Formats nanoseconds the way Go's `time.Duration.String()` does: "1.5s", "2m3s", "1h0m0s", "250µs". */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const sign = nanos < 0n ? '-' : '';
  const n = nanos < 0n ? -nanos : nanos;
  if (n < 1_000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${n / 1_000n}${trimFraction((n % 1_000n).toString().padStart(3, '0'))}µs`;
  if (n < 1_000_000_000n) return `${sign}${n / 1_000_000n}${trimFraction((n % 1_000_000n).toString().padStart(6, '0'))}ms`;
  const hours = n / 3_600_000_000_000n;
  const minutes = (n / 60_000_000_000n) % 60n;
  const seconds = (n / 1_000_000_000n) % 60n;
  const frac = trimFraction((n % 1_000_000_000n).toString().padStart(9, '0'));
  let out = sign;
  if (hours > 0n) out += `${hours}h`;
  if (hours > 0n || minutes > 0n) out += `${minutes}m`;
  return `${out}${seconds}${frac}s`;
}
