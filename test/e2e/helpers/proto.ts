// Just enough protobuf to write requests our encoder cannot produce (ids of the wrong length) and
// to read the small response messages (ExportTraceServiceResponse, google.rpc.Status). Written
// independently of @tracelight/otlp so the tests do not check the decoder against itself.

/** A field: number, and a value (varint number/bigint, bytes/string/nested message, or fixed64). */
export type Field = readonly [number, number | bigint | string | Uint8Array | readonly Field[] | { fixed64: bigint }];

function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Encodes fields in the order given. */
export function message(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const [no, value] of fields) {
    if (typeof value === 'number' || typeof value === 'bigint') {
      out.push(...varint(BigInt(no << 3)), ...varint(BigInt(value)));
    } else if (typeof value === 'object' && 'fixed64' in value) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, value.fixed64, true);
      out.push(...varint(BigInt((no << 3) | 1)), ...b);
    } else {
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : message(value as readonly Field[]);
      out.push(...varint(BigInt((no << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes);
    }
  }
  return new Uint8Array(out);
}

/** Decodes one level: field number → last value (varints as bigint, length-delimited as bytes). */
export function readFields(bytes: Uint8Array): Map<number, bigint | Uint8Array> {
  const fields = new Map<number, bigint | Uint8Array>();
  let pos = 0;
  const readVarint = () => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(readVarint());
    const no = key >>> 3;
    switch (key & 7) {
      case 0:
        fields.set(no, readVarint());
        break;
      case 1:
        fields.set(no, bytes.subarray(pos, pos + 8));
        pos += 8;
        break;
      case 2: {
        const len = Number(readVarint());
        fields.set(no, bytes.subarray(pos, pos + len));
        pos += len;
        break;
      }
      case 5:
        fields.set(no, bytes.subarray(pos, pos + 4));
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
  }
  return fields;
}

/** google.rpc.Status from protobuf bytes. */
export function readStatus(bytes: Uint8Array): { code: number; message: string } {
  const f = readFields(bytes);
  return { code: Number(f.get(1) ?? 0n), message: new TextDecoder().decode((f.get(2) as Uint8Array | undefined) ?? new Uint8Array()) };
}

/** Export{Trace,Logs}ServiceResponse from protobuf bytes: the partial_success fields (zero when absent). */
export function readExportResponse(bytes: Uint8Array): { rejected: number; errorMessage: string } {
  const partial = readFields(bytes).get(1) as Uint8Array | undefined;
  if (!partial) return { rejected: 0, errorMessage: '' };
  const f = readFields(partial);
  return { rejected: Number(f.get(1) ?? 0n), errorMessage: new TextDecoder().decode((f.get(2) as Uint8Array | undefined) ?? new Uint8Array()) };
}

/** A minimal OTLP span (trace_id 1, span_id 2, name 5, kind 6, times 7/8) with ids as given, any length. */
export function rawSpan(traceId: Uint8Array, spanId: Uint8Array, name: string): Field[] {
  return [
    [1, traceId],
    [2, spanId],
    [5, name],
    [6, 2],
    [7, { fixed64: 1_700_000_000_000_000_000n }],
    [8, { fixed64: 1_700_000_001_000_000_000n }],
  ];
}

/** ExportTraceServiceRequest { resource_spans { resource { service.name }, scope_spans { spans } } }. */
export function rawTraceRequest(service: string, spans: readonly Field[][]): Uint8Array {
  const serviceName: Field[] = [[1, 'service.name'], [2, [[1, service]]]];
  const resource: Field[] = [[1, serviceName]];
  const scopeSpans: Field[] = spans.map((s) => [2, s] as Field);
  return message([[1, [[1, resource], [2, scopeSpans]]]]);
}
