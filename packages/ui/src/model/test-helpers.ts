import type { Span } from '@tracelight/core';
import { SpanKind, StatusCode } from '@tracelight/core';

export const TRACE = 'abcdef0123456789abcdef0123456789';
export const T0 = 1_700_000_000_000_000_000n;

export interface SpanSpec {
  readonly id: string;
  readonly parent?: string;
  /** ms from T0. */
  readonly start: number;
  readonly end: number;
  readonly service?: string;
  readonly name?: string;
  readonly error?: boolean;
}

/** A span for model tests: ids are short names padded to 16 hex-ish characters. */
export function span(spec: SpanSpec): Span {
  const ms = (v: number) => T0 + BigInt(Math.round(v * 1e6));
  return {
    traceId: TRACE,
    spanId: spec.id.padStart(16, '0'),
    parentSpanId: spec.parent ? spec.parent.padStart(16, '0') : '',
    traceState: '',
    flags: 1,
    name: spec.name ?? `op-${spec.id}`,
    kind: SpanKind.INTERNAL,
    startTimeUnixNano: ms(spec.start),
    endTimeUnixNano: ms(spec.end),
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: spec.error ? StatusCode.ERROR : StatusCode.UNSET, message: '' },
    resource: { attributes: [{ key: 'service.name', value: spec.service ?? 'svc' }], droppedAttributesCount: 0, schemaUrl: '' },
    scope: { name: 'test', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' },
  };
}

export const MS = 1e6;
