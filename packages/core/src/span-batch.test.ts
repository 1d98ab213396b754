import { describe, expect, it } from 'vitest';
import { anyValueEquals } from './attributes.js';
import type { Resource, Span } from './model.js';
import { EMPTY_SCOPE, SpanKind, StatusCode } from './model.js';
import {
  concatSpanBatches,
  filterSpans,
  SpanBatchBuilder,
  spanBatchFromSpans,
  spanDurationNano,
  spansOf,
} from './span-batch.js';

const resource: Resource = { attributes: [{ key: 'service.name', value: 'api' }], droppedAttributesCount: 0, schemaUrl: '' };

function span(id: number, parent: number, start: bigint, end: bigint): Span {
  return {
    traceId: '0102030405060708090a0b0c0d0e0f10',
    spanId: id.toString(16).padStart(16, '0'),
    parentSpanId: parent ? parent.toString(16).padStart(16, '0') : '',
    traceState: 'ot=th:8',
    flags: 1,
    name: `op-${id}`,
    kind: SpanKind.SERVER,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: [
      { key: 'big', value: 9_007_199_254_740_993n },
      { key: 'nested', value: [1.5, { kvlist: [{ key: 'b', value: new Uint8Array([1, 2]) }] }] },
    ],
    droppedAttributesCount: 2,
    events: [{ timeUnixNano: start + 1n, name: 'e', attributes: [], droppedAttributesCount: 0 }],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 3,
    status: { code: StatusCode.ERROR, message: 'boom' },
    resource,
    scope: EMPTY_SCOPE,
  };
}

describe('SpanBatch', () => {
  it('round-trips rows exactly, times to the nanosecond beyond 2^53', () => {
    const rows = [span(1, 0, 1_700_000_000_123_456_789n, 1_700_000_001_987_654_321n), span(2, 1, 1_700_000_000_200_000_001n, 1_700_000_000_200_000_002n)];
    const batch = spanBatchFromSpans(rows);
    expect(batch.length).toBe(2);
    expect(batch.resources).toHaveLength(1);
    expect(spansOf(batch)).toEqual(rows);
    expect(anyValueEquals(spansOf(batch)[0].attributes[0].value, 9_007_199_254_740_993n)).toBe(true);
  });

  it('computes durations without BigInt, across a 32-bit borrow', () => {
    const batch = spanBatchFromSpans([span(1, 0, 0x1_ffff_ffffn, 0x2_0000_0005n), span(2, 0, 10n, 4n)]);
    expect(spanDurationNano(batch, 0)).toBe(6);
    expect(spanDurationNano(batch, 1)).toBe(-6);
  });

  it('discards a rejected row and leaves the next one clean', () => {
    const b = new SpanBatchBuilder();
    const r = b.addResource(resource);
    const s = b.addScope(EMPTY_SCOPE);
    const i = b.addSpan(r, s);
    b.traceId.fill(7, i * 16, i * 16 + 16);
    b.name[i] = 'bad';
    b.discardLast();
    b.addSpan(r, s);
    const batch = b.finish();
    expect(batch.length).toBe(1);
    expect([...batch.traceId]).toEqual(new Array(16).fill(0));
    expect(batch.name[0]).toBe('');
  });

  it('filters and concatenates, keeping resources shared', () => {
    const a = spanBatchFromSpans([span(1, 0, 1n, 2n), span(2, 1, 1n, 3n)]);
    const both = concatSpanBatches([a, a]);
    expect(both.length).toBe(4);
    const odd = filterSpans(both, (b, i) => b.name[i] === 'op-1');
    expect(spansOf(odd).map((x) => x.spanId)).toEqual(['0000000000000001', '0000000000000001']);
    expect(spansOf(odd)[0].resource).toBe(resource);
  });

  it('grows past its initial capacity', () => {
    const rows = Array.from({ length: 1000 }, (_, k) => span(k + 1, 0, BigInt(k), BigInt(k + 10)));
    const batch = spanBatchFromSpans(rows);
    expect(spansOf(batch)).toEqual(rows);
  });
});
