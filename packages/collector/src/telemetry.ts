/**
 * In-process counters a receiver keeps. Plain mutable numbers: cheap to bump on the hot path, and
 * the self-metrics exporter reads them as they are.
 */
export interface SignalCounters {
  /** Items (spans or log records) in requests that decoded: accepted + rejected + refused. */
  received: number;
  /** Handed on and acknowledged by the next consumer (committed to the store). */
  accepted: number;
  /** Invalid items the decoder dropped; reported to the client as partial success. */
  rejected: number;
  /** Valid items the next consumer refused (store failure, pressure); the client may retry. */
  refused: number;
}

/** Request outcomes, by what the client was told. */
export interface RequestCounters {
  total: number;
  /** 200 / OK, including partial success. */
  ok: number;
  /** Undecodable body or bad compression: 400 / INVALID_ARGUMENT. */
  invalid: number;
  /** Over the size limit: 413 / RESOURCE_EXHAUSTED. */
  tooLarge: number;
  /** Wrong path, method, content type or encoding: 404 / 405 / 415. */
  unsupported: number;
  /** The next consumer refused the data: 503 / UNAVAILABLE or 500 / INTERNAL. */
  refused: number;
  /** The client went away before the request was read. */
  aborted: number;
  /** Refused before reading, because of memory pressure (the memory limiter): 429 / RESOURCE_EXHAUSTED. */
  throttled: number;
}

export interface ReceiverCounters {
  readonly requests: RequestCounters;
  readonly spans: SignalCounters;
  readonly logs: SignalCounters;
  /** Body bytes read from the wire (compressed size when compressed). */
  bytesReceived: number;
  /** Bytes handed to the decoder (after decompression). */
  bytesDecoded: number;
}

function signalCounters(): SignalCounters {
  return { received: 0, accepted: 0, rejected: 0, refused: 0 };
}

export function createReceiverCounters(): ReceiverCounters {
  return {
    requests: { total: 0, ok: 0, invalid: 0, tooLarge: 0, unsupported: 0, refused: 0, aborted: 0, throttled: 0 },
    spans: signalCounters(),
    logs: signalCounters(),
    bytesReceived: 0,
    bytesDecoded: 0,
  };
}
