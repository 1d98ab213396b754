import type { TraceState } from '@opentelemetry/api';
import { W3CTraceState } from '../propagation/tracestate.js';

/**
 * OpenTelemetry consistent probability sampling: the `ot` tracestate entry
 * (https://opentelemetry.io/docs/specs/otel/trace/tracestate-probability-sampling/).
 *
 * A trace's randomness R is the 56-bit `rv` sub-key when present, else the rightmost 56 bits of
 * the trace id (random when the W3C random flag is set, and always for ids we generate). A
 * sampler with rejection threshold T keeps the trace when R >= T; the probability is
 * (2^56 - T) / 2^56. T is written as `th:<hex>` (14 hex digits, trailing zeros removed; `0` means
 * 100%) so a backend can count a sampled span as 1/p spans.
 */

const DIGITS = 14;
const TWO_56 = 2n ** 56n;

/** The 14-hex-digit rejection threshold for a probability in (0, 1]; `undefined` for 0. */
export function probabilityToThreshold(probability: number): string | undefined {
  if (!(probability > 0)) return undefined;
  if (probability >= 1) return '0'.repeat(DIGITS);
  // p * 2^52 still fits a double's 53-bit mantissa; the last 4 bits carry no information.
  const kept = BigInt(Math.round(probability * 2 ** 52)) << 4n;
  const t = TWO_56 - kept;
  return t.toString(16).padStart(DIGITS, '0');
}

/** The `th` sub-key value: trailing zeros removed, `0` for probability 1. */
export function encodeThreshold(threshold: string): string {
  const trimmed = threshold.replace(/0+$/, '');
  return trimmed.length === 0 ? '0' : trimmed;
}

/** The 14-digit threshold from a `th` value, or `undefined` when malformed. */
export function decodeThreshold(th: string): string | undefined {
  if (th.length < 1 || th.length > DIGITS || !/^[0-9a-f]+$/.test(th)) return undefined;
  return th.padEnd(DIGITS, '0');
}

/** The probability a 14-digit threshold stands for. */
export function thresholdToProbability(threshold: string): number {
  return Number(TWO_56 - BigInt(`0x${threshold}`)) / Number(TWO_56);
}

/** Parses the `ot` tracestate value into its sub-keys (`th:..;rv:..`). */
export function parseOtValue(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  for (const part of value.split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) out.set(part.slice(0, colon), part.slice(colon + 1));
  }
  return out;
}

function serializeOt(fields: Map<string, string>): string {
  return [...fields].map(([k, v]) => `${k}:${v}`).join(';');
}

/** The 14 hex digits of randomness for a trace: `ot` `rv` if valid, else the trace id's tail. */
export function traceRandomness(traceId: string, traceState: TraceState | undefined): string {
  const ot = traceState?.get('ot');
  if (ot !== undefined) {
    const rv = parseOtValue(ot).get('rv');
    if (rv !== undefined && rv.length === DIGITS && /^[0-9a-f]+$/.test(rv)) return rv;
  }
  return traceId.slice(32 - DIGITS);
}

/**
 * Returns the trace state with `ot=th:<th>` set (or `th` removed when `th` is undefined), other
 * `ot` sub-keys kept. An updated `ot` entry moves to the front (W3C: modified entries go left).
 */
export function withThreshold(traceState: TraceState | undefined, th: string | undefined): TraceState | undefined {
  const fields = parseOtValue(traceState?.get('ot'));
  if (th === undefined) {
    if (!fields.has('th')) return traceState;
    fields.delete('th');
  } else {
    if (fields.get('th') === th && traceState?.get('ot') !== undefined) return traceState;
    fields.set('th', th);
  }
  const base = traceState ?? new W3CTraceState();
  return fields.size === 0 ? base.unset('ot') : base.set('ot', serializeOt(fields));
}
