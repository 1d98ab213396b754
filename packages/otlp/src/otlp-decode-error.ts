import { TracelightError } from '@tracelight/core';

/**
 * The body is not a valid OTLP message (bad bytes, bad JSON, wrong shape). Never retryable:
 * sending the same body again cannot succeed. Receivers answer it with 400 / INVALID_ARGUMENT.
 */
export class OtlpDecodeError extends TracelightError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('OTLP_DECODE', message, { retryable: false, cause: options.cause });
    this.name = 'OtlpDecodeError';
  }
}
