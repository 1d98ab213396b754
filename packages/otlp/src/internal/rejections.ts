import { isZero } from '@tracelight/core';

/**
 * Counts items a decoder left out, by reason, and words the partial-success message:
 * "3 spans rejected: 2 with trace_id not 16 bytes or all zero; 1 with span_id not 8 bytes or all zero".
 */
export class Rejections {
  count = 0;
  private readonly reasons = new Map<string, number>();

  add(reason: string): void {
    this.count++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  message(singular: string, plural: string): string {
    if (this.count === 0) return '';
    const head = `${this.count} ${this.count === 1 ? singular : plural} rejected`;
    if (this.reasons.size === 1) return `${head}: ${[...this.reasons.keys()][0]}`;
    const parts = [...this.reasons].map(([reason, n]) => `${n} with ${reason}`);
    return `${head}: ${parts.join('; ')}`;
  }
}

export const BAD_TRACE_ID = 'trace_id not 16 bytes or all zero';
export const BAD_SPAN_ID = 'span_id not 8 bytes or all zero';
export const BAD_PARENT_SPAN_ID = 'parent_span_id neither empty nor 8 bytes';
export const BAD_LOG_TRACE_ID = 'trace_id neither empty nor 16 bytes';
export const BAD_LOG_SPAN_ID = 'span_id neither empty nor 8 bytes';

/**
 * Why span `i` of a builder must be left out, or undefined when it is valid. The id lengths are
 * those seen on the wire (0 when absent); the ids themselves are already in the columns.
 */
export function spanProblem(traceId: Uint8Array, spanId: Uint8Array, i: number, traceIdLen: number, spanIdLen: number, parentLen: number): string | undefined {
  if (traceIdLen !== 16 || isZero(traceId, i * 16, 16)) return BAD_TRACE_ID;
  if (spanIdLen !== 8 || isZero(spanId, i * 8, 8)) return BAD_SPAN_ID;
  if (parentLen !== 0 && parentLen !== 8) return BAD_PARENT_SPAN_ID;
  return undefined;
}

/** Why a log record must be left out (ids neither empty nor the right length), or undefined. */
export function logProblem(traceIdLen: number, spanIdLen: number): string | undefined {
  if (traceIdLen !== 0 && traceIdLen !== 16) return BAD_LOG_TRACE_ID;
  if (spanIdLen !== 0 && spanIdLen !== 8) return BAD_LOG_SPAN_ID;
  return undefined;
}
