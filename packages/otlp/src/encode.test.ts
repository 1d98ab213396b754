import { describe, expect, it } from 'vitest';
import { encodeExportResponse, encodeStatus } from './encode.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('encodeExportResponse', () => {
  it('is an empty message when nothing was rejected', () => {
    expect(encodeExportResponse('traces', { rejected: 0, errorMessage: '' }, 'protobuf')).toEqual(new Uint8Array(0));
    expect(text(encodeExportResponse('logs', { rejected: 0, errorMessage: '' }, 'json'))).toBe('{}');
  });

  it('carries partial_success { rejected (int64), error_message }', () => {
    // field 1 (partial_success) { field 1 varint 300, field 2 "bad" }
    expect([...encodeExportResponse('traces', { rejected: 300, errorMessage: 'bad' }, 'protobuf')]).toEqual([
      0x0a, 0x08, 0x08, 0xac, 0x02, 0x12, 0x03, 0x62, 0x61, 0x64,
    ]);
    expect(JSON.parse(text(encodeExportResponse('traces', { rejected: 2, errorMessage: 'x' }, 'json')))).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: 'x' },
    });
    expect(JSON.parse(text(encodeExportResponse('logs', { rejected: 2, errorMessage: '' }, 'json')))).toEqual({
      partialSuccess: { rejectedLogRecords: '2' },
    });
    // A warning without rejections is still a partial success (the OTLP spec allows it).
    expect([...encodeExportResponse('logs', { rejected: 0, errorMessage: 'w' }, 'protobuf')]).toEqual([0x0a, 0x03, 0x12, 0x01, 0x77]);
  });

  it('refuses a negative or fractional count', () => {
    expect(() => encodeExportResponse('traces', { rejected: -1, errorMessage: '' }, 'protobuf')).toThrow(RangeError);
    expect(() => encodeExportResponse('traces', { rejected: 1.5, errorMessage: '' }, 'json')).toThrow(RangeError);
  });
});

describe('encodeStatus', () => {
  it('writes google.rpc.Status { code = 1; message = 2 } with no details', () => {
    expect([...encodeStatus({ code: 3, message: 'bad ü' }, 'protobuf')]).toEqual([0x08, 0x03, 0x12, 0x06, 0x62, 0x61, 0x64, 0x20, 0xc3, 0xbc]);
    expect(JSON.parse(text(encodeStatus({ code: 14, message: 'try later' }, 'json')))).toEqual({ code: 14, message: 'try later' });
    expect(encodeStatus({ code: 0, message: '' }, 'protobuf')).toHaveLength(0);
    // int32 -1 is sign-extended to a 10-byte varint.
    expect(encodeStatus({ code: -1, message: '' }, 'protobuf')).toHaveLength(11);
  });

  it('writes a long message with a multi-byte length prefix', () => {
    const message = 'é'.repeat(100); // 200 bytes of UTF-8
    const bytes = encodeStatus({ code: 8, message }, 'protobuf');
    expect([...bytes.subarray(0, 5)]).toEqual([0x08, 0x08, 0x12, 0xc8, 0x01]);
    expect(new TextDecoder().decode(bytes.subarray(5))).toBe(message);
  });
});
