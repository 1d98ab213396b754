// Small valid spans and log records for the collector's own tests.
import type { LogRecord, Span } from '@tracelight/core';

function hexOf(text: string, bytes: number): string {
  let h = 0x811c9dc5;
  let out = '';
  while (out.length < bytes * 2) {
    for (const c of text + out.length) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, bytes * 2);
}

/** Three spans of one trace whose id is derived from `seed`. */
export function spans(seed: string): Span[] {
  const traceId = hexOf(seed, 16);
  const resource = { attributes: [{ key: 'service.name', value: `svc-${seed}` }], droppedAttributesCount: 0, schemaUrl: '' };
  const scope = { name: 'test', version: '1', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
  return [0, 1, 2].map((i) => ({
    traceId,
    spanId: hexOf(`${seed}/${i}`, 8),
    parentSpanId: i === 0 ? '' : hexOf(`${seed}/0`, 8),
    traceState: '',
    flags: 1,
    name: `op-${i}`,
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
    endTimeUnixNano: 1_700_000_001_000_000_000n,
    attributes: [{ key: 'i', value: BigInt(i) }],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    resource,
    scope,
  }));
}

/** Two log records correlated with the trace of `spans(seed)`. */
export function logRecords(seed: string): LogRecord[] {
  const s = spans(seed)[0];
  return [0, 1].map((i) => ({
    timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i),
    observedTimeUnixNano: 1_700_000_000_000_000_000n,
    severityNumber: 9,
    severityText: 'INFO',
    body: `line ${i}`,
    attributes: [],
    droppedAttributesCount: 0,
    flags: 1,
    traceId: s.traceId,
    spanId: s.spanId,
    eventName: '',
    resource: s.resource,
    scope: s.scope,
  }));
}
