/**
 * Errors carry a stable `code` string so callers branch on it, never on message text.
 * `retryable` separates pressure (try again later) from bad data (never retry).
 */
export class TracelightError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** Milliseconds a client should wait before retrying, when known. */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TracelightError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The outcome of handing data on: a value, not an exception. */
export type ExportResult = { readonly ok: true } | { readonly ok: false; readonly retryable: boolean; readonly error: TracelightError };

export const EXPORT_OK: ExportResult = Object.freeze({ ok: true });

export function exportFailure(error: TracelightError): ExportResult {
  return { ok: false, retryable: error.retryable, error };
}

/** Turns anything thrown into a TracelightError (unknown errors are not retryable). */
export function toTracelightError(err: unknown, code = 'INTERNAL'): TracelightError {
  if (err instanceof TracelightError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TracelightError(code, message, { cause: err });
}
