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
