/**
 * OpenTelemetry consistent probability sampling in the W3C `tracestate` (spec "TraceState:
 * Probability Sampling"): the `ot` entry's `th` (rejection threshold) and `rv` (randomness).
 *
 * - Randomness R is 56 bits: `rv` (14 hex digits) when present, else the trace id's last 7 bytes.
 * - A threshold T in [0, 2^56) rejects R < T: the span is kept when R >= T, with probability
 *   (2^56 - T) / 2^56. `th` is T as 14 hex digits with trailing zeros dropped (`th:0` = keep all).
 * - Thresholds are bigints because 2^56 is past Number's exact integers.
 */

/** 2^56: the number of randomness values, and a threshold that rejects everything (never encoded). */
export const THRESHOLD_MAX = 1n << 56n;

const HEX14 = /^[0-9a-f]{1,14}$/;
const RV = /^[0-9a-f]{14}$/;

/**
 * The rejection threshold for keeping a fraction `probability` of traces, rounded to `precision`
 * significant hex digits (1..14; the Collector's sampler defaults to 4) so `th` stays short.
 * 0 gives THRESHOLD_MAX (keep nothing); 1 gives 0n.
 * @throws RangeError for a probability outside [0, 1] or a bad precision.
 */
export function probabilityToThreshold(probability: number, precision = 14): bigint {
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`probability must be in [0, 1], got ${probability}`);
  if (!Number.isInteger(precision) || precision < 1 || precision > 14) throw new RangeError(`precision must be 1..14, got ${precision}`);
  if (probability === 0) return THRESHOLD_MAX;
  // (1 - p) * 2^56, computed as 2^56 - p * 2^56 so that small probabilities keep their digits.
  const kept = BigInt(Math.round(probability * 2 ** 56));
  let t = THRESHOLD_MAX - kept;
  if (t < 0n) t = 0n;
  if (precision < 14 && t > 0n) {
    // Round to `precision` hex digits counted from the first non-zero digit.
    const digits = t.toString(16).padStart(14, '0');
    const first = digits.search(/[1-9a-f]/);
    const keep = first + precision;
    if (keep < 14) {
      const unit = 1n << BigInt(4 * (14 - keep));
      t = ((t + unit / 2n) / unit) * unit;
      if (t >= THRESHOLD_MAX) t = THRESHOLD_MAX - unit;
    }
  }
  return t;
}

/** The probability that a threshold keeps a span: (2^56 - T) / 2^56. */
export function thresholdToProbability(threshold: bigint): number {
  if (threshold <= 0n) return 1;
  if (threshold >= THRESHOLD_MAX) return 0;
  return Number(THRESHOLD_MAX - threshold) / 2 ** 56;
}

/** `th` text for a threshold in [0, 2^56): 14 hex digits, trailing zeros dropped, "0" for 0. */
export function encodeThreshold(threshold: bigint): string {
  if (threshold < 0n || threshold >= THRESHOLD_MAX) throw new RangeError(`threshold must be in [0, 2^56), got ${threshold}`);
  if (threshold === 0n) return '0';
  return threshold.toString(16).padStart(14, '0').replace(/0+$/, '');
}

/** A `th` value → threshold; undefined unless it is 1 to 14 lower-case hex digits. */
export function parseThreshold(text: string): bigint | undefined {
  if (!HEX14.test(text)) return undefined;
  return BigInt(`0x${text.padEnd(14, '0')}`);
}

/** Whether randomness `r` passes threshold `t` (kept when r >= t). */
export function thresholdKeeps(threshold: bigint, randomness: bigint): boolean {
  return randomness >= threshold;
}

/** The sampling fields of a tracestate's `ot` entry; each undefined when absent or malformed. */
export interface OtelSamplingState {
  readonly threshold: bigint | undefined;
  readonly randomness: bigint | undefined;
}

interface TraceStateMember {
  readonly key: string;
  readonly value: string;
}

function members(traceState: string): TraceStateMember[] {
  const out: TraceStateMember[] = [];
  for (const part of traceState.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    out.push({ key: item.slice(0, eq), value: item.slice(eq + 1) });
  }
  return out;
}

function otFields(value: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0 && !fields.has(part.slice(0, colon))) fields.set(part.slice(0, colon), part.slice(colon + 1));
  }
  return fields;
}

/** Reads `th` and `rv` from the `ot` entry of a W3C tracestate string. */
export function parseOtelSamplingState(traceState: string): OtelSamplingState {
  if (!traceState.includes('ot=')) return { threshold: undefined, randomness: undefined };
  const ot = members(traceState).find((m) => m.key === 'ot');
  if (!ot) return { threshold: undefined, randomness: undefined };
  const fields = otFields(ot.value);
  const th = fields.get('th');
  const rv = fields.get('rv');
  return {
    threshold: th === undefined ? undefined : parseThreshold(th),
    randomness: rv !== undefined && RV.test(rv) ? BigInt(`0x${rv}`) : undefined,
  };
}

/**
 * The probability with which a span was sampled, from its tracestate's `th` (1 when it carries
 * none, or a malformed one: such a span counts as one span). Its inverse is the span's adjusted
 * count, the weight to give it in span-derived metrics.
 */
export function samplingProbabilityOf(traceState: string): number {
  const { threshold } = parseOtelSamplingState(traceState);
  return threshold === undefined ? 1 : thresholdToProbability(threshold);
}

/**
 * The 56 bits of randomness for a trace: the tracestate's `rv` when valid, otherwise the last 7
 * bytes of the 16-byte trace id at `offset` of `traceId`.
 */
export function randomnessOf(traceId: Uint8Array, offset: number, traceState: string): bigint {
  const { randomness } = parseOtelSamplingState(traceState);
  if (randomness !== undefined) return randomness;
  let r = 0n;
  for (let i = offset + 9; i < offset + 16; i++) r = (r << 8n) | BigInt(traceId[i]);
  return r;
}

/**
 * The tracestate with the `ot` entry's `th` set to `threshold` (other `ot` fields and other
 * vendors' entries kept). The `ot` entry moves to the front, as W3C asks of a modified entry.
 */
export function withThreshold(traceState: string, threshold: bigint): string {
  const th = encodeThreshold(threshold);
  const all = members(traceState);
  const ot = all.find((m) => m.key === 'ot');
  const fields = ot ? [...otFields(ot.value)].filter(([k]) => k !== 'th').map(([k, v]) => `${k}:${v}`) : [];
  const otValue = [`th:${th}`, ...fields].join(';');
  return [`ot=${otValue}`, ...all.filter((m) => m.key !== 'ot').map((m) => `${m.key}=${m.value}`)].join(',');
}
