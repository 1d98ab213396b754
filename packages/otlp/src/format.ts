/** The two OTLP encodings: binary protobuf and the OTLP/JSON mapping of the same messages. */
export type OtlpFormat = 'protobuf' | 'json';

export interface DecodeResult<B> {
  readonly batch: B;
  /** Spans (log records) left out because they were invalid. */
  readonly rejected: number;
  /** For partial_success.error_message; '' when nothing was rejected. */
  readonly errorMessage: string;
}

/** Guards the public functions against a format string from an untyped caller. */
export function checkFormat(format: OtlpFormat): void {
  if (format !== 'protobuf' && format !== 'json') throw new TypeError(`unknown OTLP format: ${String(format)}`);
}
