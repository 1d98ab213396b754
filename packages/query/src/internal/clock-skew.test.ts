import type { Resource, Span } from '@tracelight/core';
import { EMPTY_SCOPE, StatusCode } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { adjustClockSkew } from './clock-skew.js';

const MS = 1_000_000n;
const T0 = 1_700_000_000_000n * MS;
const host = (name: string, key = 'host.name'): Resource => ({ attributes: [{ key: 'service.name', value: name }, { key, value: name }], droppedAttributesCount: 0, schemaUrl: '' });

function span(id: string, parent: string, resource: Resource, from: number, to: number): Span {
  return {
    traceId: 'ab'.repeat(16),
    spanId: id.padStart(16, '0'),
    parentSpanId: parent === '' ? '' : parent.padStart(16, '0'),
    traceState: '',
    flags: 1,
    name: id,
    kind: 2,
    startTimeUnixNano: T0 + BigInt(from) * MS,
    endTimeUnixNano: T0 + BigInt(to) * MS,
    attributes: [],
    droppedAttributesCount: 0,
    events: [{ timeUnixNano: T0 + BigInt(from) * MS, name: 'e', attributes: [], droppedAttributesCount: 0 }],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.UNSET, message: '' },
    resource,
    scope: EMPTY_SCOPE,
  };
}

const startOf = (spans: Span[], id: string) => Number((spans.find((s) => s.spanId.endsWith(id))!.startTimeUnixNano - T0) / MS);
const HOUR = 3_600_000n * MS;

describe('adjustClockSkew', () => {
  it('centres a shorter child from another host in its parent, and moves its same-host subtree with it', () => {
    const web = host('web');
    const db = host('db');
    const spans = [span('1', '', web, 0, 100), span('2', '1', db, -30, 20), span('3', '2', db, -25, 10)];
    const { spans: out, warnings } = adjustClockSkew(spans, HOUR);
    expect(startOf(out, '2')).toBe(25);
    expect(startOf(out, '3')).toBe(30); // same host as 2: the same 55 ms
    expect(out[1].endTimeUnixNano - out[1].startTimeUnixNano).toBe(50n * MS);
    expect(out[1].events[0].timeUnixNano).toBe(out[1].startTimeUnixNano);
    expect(warnings.get('0000000000000002')).toEqual(["This span's timestamps were adjusted by 55ms"]);
    expect(warnings.get('0000000000000003')).toEqual(["This span's timestamps were adjusted by 55ms"]);
    expect(spans[1].startTimeUnixNano).toBe(T0 - 30n * MS); // inputs are not modified
  });

  it('leaves same-host children and children that fit alone', () => {
    const web = host('web');
    const spans = [span('1', '', web, 0, 100), span('2', '1', web, -30, 20), span('3', '1', host('db'), 10, 20)];
    const { spans: out, warnings } = adjustClockSkew(spans, HOUR);
    expect(out.map((s) => startOf(out, s.name))).toEqual([0, -30, 10]);
    expect(warnings.size).toBe(0);
  });

  it('only makes a longer child start with its parent (async work)', () => {
    const spans = [span('1', '', host('web'), 0, 10), span('2', '1', host('queue', 'host.id'), -5, 500)];
    expect(startOf(adjustClockSkew(spans, HOUR).spans, '2')).toBe(0);
  });

  it('notes but does not apply shifts beyond the maximum, or any when the maximum is 0', () => {
    const spans = [span('1', '', host('web'), 0, 100), span('2', '1', host('db'), -30, 20)];
    const capped = adjustClockSkew(spans, 10n * MS);
    expect(startOf(capped.spans, '2')).toBe(-30);
    expect(capped.warnings.get('0000000000000002')).toEqual(['max clock skew adjustment delta of 10ms exceeded; not applying calculated delta of 55ms']);
    expect(adjustClockSkew(spans, 0n).warnings.get('0000000000000002')).toEqual(['clock skew adjustment disabled; not applying calculated delta of 55ms']);
  });

  it('notes missing parents and repeated span ids, and survives a parent cycle and a 100,000-deep chain', () => {
    const a = host('a');
    const { warnings } = adjustClockSkew([span('1', '9', a, 0, 10), span('1', '', a, 0, 10)], HOUR);
    expect(warnings.get('0000000000000001')).toEqual([
      'duplicate span IDs; skipping clock skew adjustment',
      'parent span ID=0000000000000009 is not in the trace; skipping clock skew adjustment',
    ]);
    expect(adjustClockSkew([span('1', '2', a, 0, 10), span('2', '1', a, 0, 10)], HOUR).spans).toHaveLength(2);
    const chain = Array.from({ length: 100_000 }, (_, i) => span((i + 1).toString(16), i === 0 ? '' : i.toString(16), host(`h${i % 2}`), i, i + 1));
    const deep = adjustClockSkew(chain, HOUR);
    // Hosts alternate; each 1 ms child starts when its (already moved) parent ends, so it is
    // moved onto its parent: every span ends up at 0 ms.
    expect(deep.spans).toHaveLength(100_000);
    expect(startOf(deep.spans, (100_000).toString(16))).toBe(0);
    expect(deep.warnings.size).toBe(99_999);
  });
});
