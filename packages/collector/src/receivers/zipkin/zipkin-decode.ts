import type { Attributes, InstrumentationScope, KeyValue, Resource, SpanBatch, SpanEvent } from '@tracelight/core';
import { EMPTY_SCOPE, hexToBytes, isZero, SpanBatchBuilder, SpanKind, StatusCode } from '@tracelight/core';

/** The body is not a Zipkin v2 JSON span list. Answered 400, never retried. */
export class ZipkinDecodeError extends Error {
  readonly code = 'INVALID_DATA';
}

export interface ZipkinDecodeResult {
  readonly batch: SpanBatch;
  readonly rejected: number;
  readonly errorMessage: string;
}

const KINDS: Readonly<Record<string, SpanKind>> = {
  CLIENT: SpanKind.CLIENT,
  SERVER: SpanKind.SERVER,
  PRODUCER: SpanKind.PRODUCER,
  CONSUMER: SpanKind.CONSUMER,
};

const HEX = /^[0-9a-fA-F]+$/;

/** A Zipkin id (hex) as `bytes` bytes, left-padded with zeros (64-bit trace ids); undefined when invalid. */
function id(text: unknown, bytes: number, allowShort: boolean): Uint8Array | undefined {
  if (typeof text !== 'string' || !HEX.test(text)) return undefined;
  if (text.length > bytes * 2 || (!allowShort && text.length !== bytes * 2) || text.length < 16) return undefined;
  const b = hexToBytes(text.padStart(bytes * 2, '0'));
  return b && !isZero(b) ? b : undefined;
}

function micros(v: unknown): bigint | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) * 1000n : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function endpointAttributes(e: Record<string, unknown> | undefined, prefix: 'network.peer' | 'network.local'): KeyValue[] {
  if (!e || typeof e !== 'object') return [];
  const out: KeyValue[] = [];
  const ip = str(e.ipv4) ?? str(e.ipv6);
  if (ip) out.push({ key: `${prefix}.address`, value: ip });
  if (typeof e.port === 'number' && Number.isInteger(e.port) && e.port > 0) out.push({ key: `${prefix}.port`, value: BigInt(e.port) });
  return out;
}

/**
 * Zipkin v2 JSON (`POST /api/v2/spans`) → a span batch, the way the Collector's Zipkin receiver
 * maps it: 64-bit trace ids are left-padded to 128 bits; timestamps and durations in µs become ns;
 * `localEndpoint.serviceName` becomes the resource's `service.name`; tags become string
 * attributes, except `otel.status_code` / `error` (the status), `otel.scope.name` /
 * `otel.scope.version` (the scope); annotations become events; `remoteEndpoint` becomes
 * `peer.service` and `network.peer.*`; `shared` and `debug` are kept as `zipkin.shared` /
 * `zipkin.debug`. Spans with bad ids or times are left out and counted (partial success).
 * @throws ZipkinDecodeError when the body is not a JSON array of objects.
 */
export function decodeZipkinV2(body: Uint8Array): ZipkinDecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new ZipkinDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ZipkinDecodeError('body must be a JSON array of Zipkin v2 spans');
  const b = new SpanBatchBuilder();
  const resources = new Map<string, number>();
  const scopes = new Map<string, number>();
  const reasons = new Map<string, number>();
  const reject = (why: string) => reasons.set(why, (reasons.get(why) ?? 0) + 1);
  for (const item of parsed) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      reject('not an object');
      continue;
    }
    const z = item as Record<string, unknown>;
    const traceId = id(z.traceId, 16, true);
    const spanId = id(z.id, 8, false);
    const parent = z.parentId === undefined || z.parentId === null || z.parentId === '' ? null : id(z.parentId, 8, false);
    const start = micros(z.timestamp);
    const dur = z.duration === undefined ? 0n : micros(z.duration);
    if (!traceId) reject('traceId not 16 or 32 hex digits');
    else if (!spanId) reject('id not 16 hex digits');
    else if (parent === undefined) reject('parentId not 16 hex digits');
    else if (start === undefined) reject('timestamp not a whole number of microseconds');
    else if (dur === undefined) reject('duration not a whole number of microseconds');
    if (!traceId || !spanId || parent === undefined || start === undefined || dur === undefined) continue;

    const local = (z.localEndpoint ?? undefined) as Record<string, unknown> | undefined;
    const service = str(local?.serviceName) ?? 'unknown_service';
    let r = resources.get(service);
    if (r === undefined) {
      const resource: Resource = { attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, schemaUrl: '' };
      resources.set(service, (r = b.addResource(resource)));
    }
    const tags = (z.tags && typeof z.tags === 'object' ? z.tags : {}) as Record<string, unknown>;
    const attributes: KeyValue[] = [];
    let statusCode: StatusCode = StatusCode.UNSET;
    let statusMessage = '';
    let scopeName = '';
    let scopeVersion = '';
    for (const [key, value] of Object.entries(tags)) {
      const v = typeof value === 'string' ? value : JSON.stringify(value);
      if (key === 'otel.status_code') statusCode = v === 'ERROR' ? StatusCode.ERROR : v === 'OK' ? StatusCode.OK : StatusCode.UNSET;
      else if (key === 'otel.status_description') statusMessage = v;
      else if (key === 'error') {
        statusCode = StatusCode.ERROR;
        if (v !== '' && v !== 'true') statusMessage ||= v;
      } else if (key === 'otel.scope.name' || key === 'otel.library.name') scopeName = v;
      else if (key === 'otel.scope.version' || key === 'otel.library.version') scopeVersion = v;
      else attributes.push({ key, value: v });
    }
    const remote = (z.remoteEndpoint ?? undefined) as Record<string, unknown> | undefined;
    const peer = str(remote?.serviceName);
    if (peer) attributes.push({ key: 'peer.service', value: peer });
    attributes.push(...endpointAttributes(remote, 'network.peer'));
    if (z.shared === true) attributes.push({ key: 'zipkin.shared', value: true });
    if (z.debug === true) attributes.push({ key: 'zipkin.debug', value: true });

    const scopeKey = `${scopeName}\u0000${scopeVersion}`;
    let s = scopes.get(scopeKey);
    if (s === undefined) {
      const scope: InstrumentationScope = scopeName || scopeVersion ? { ...EMPTY_SCOPE, name: scopeName, version: scopeVersion } : EMPTY_SCOPE;
      scopes.set(scopeKey, (s = b.addScope(scope)));
    }
    const events: SpanEvent[] = [];
    if (Array.isArray(z.annotations)) {
      for (const a of z.annotations as Record<string, unknown>[]) {
        const t = micros(a?.timestamp);
        if (t !== undefined && typeof a.value === 'string') events.push({ timeUnixNano: t, name: a.value, attributes: [], droppedAttributesCount: 0 });
      }
    }
    const i = b.addSpan(r, s);
    b.traceId.set(traceId, i * 16);
    b.spanId.set(spanId, i * 8);
    if (parent) b.parentSpanId.set(parent, i * 8);
    b.name[i] = str(z.name) ?? '';
    b.kind[i] = KINDS[str(z.kind) ?? ''] ?? SpanKind.INTERNAL;
    b.flags[i] = 1;
    b.startTimeUnixNano[i] = start;
    b.endTimeUnixNano[i] = start + dur;
    b.attributes[i] = attributes as Attributes;
    b.events[i] = events;
    b.statusCode[i] = statusCode;
    b.statusMessage[i] = statusCode === StatusCode.ERROR ? statusMessage : '';
  }
  const rejected = [...reasons.values()].reduce((a, n) => a + n, 0);
  const errorMessage =
    rejected === 0 ? '' : `${rejected} span${rejected === 1 ? '' : 's'} rejected: ${[...reasons].map(([why, n]) => (reasons.size === 1 ? why : `${n} with ${why}`)).join('; ')}`;
  return { batch: b.finish(), rejected, errorMessage };
}
