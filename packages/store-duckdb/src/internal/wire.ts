import type { AnyValue, Attributes, InstrumentationScope, LogBatch, Resource, SpanBatch, SpanKind } from '@tracelight/core';
import { EMPTY_RESOURCE, SPAN_ID_BYTES, serviceNameOf, TRACE_ID_BYTES } from '@tracelight/core';
import { logTimeOf } from '@tracelight/store';
import type { Typed } from './value-codec.js';
import { attributesToTyped, escapeField, runEntry, textOf, toTyped, typeCodeOf } from './value-codec.js';

/**
 * What the main thread sends the writer worker for one writeSpans call. Structured clone of a
 * SpanBatch's nested attribute objects costs ~8 µs a span on the main thread, and rebuilding
 * them costs the worker as much again; instead the typed columns are copied in bulk, every
 * string the store keeps (attribute value texts, events, status message, trace state) is
 * written once as UTF-8 into one buffer, and keysets (attribute keys + types) and operations
 * (service, name, kind) travel as small ids of a dictionary the main thread keeps
 * (`WireDictionary`), their definitions sent once, with the first batch that uses them. All
 * buffers are transferred, not copied.
 */
export interface SpanWire {
  readonly n: number;
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly parentSpanId: Uint8Array;
  readonly start: BigUint64Array;
  readonly end: BigUint64Array;
  /** Per span, INTS_PER_SPAN: see the I_ constants. */
  readonly ints: Uint32Array;
  /**
   * UTF-8 of the stored strings: per span its attribute values' texts in order (escaped:
   * escapeField), then its events (the searchable form, see value-codec) and its extras (JSON,
   * see `Extras`), '' for none.
   */
  readonly text: Uint8Array;
  /** End offset in `text` of each string. */
  readonly ends: Uint32Array;
  readonly resources: readonly Resource[];
  readonly scopes: readonly InstrumentationScope[];
  /**
   * The distinct keys of the batch's event attributes (every batch says its own: the worker's
   * dictionary of event keys must have them even after a failed group forgot some).
   */
  readonly eventKeys: readonly string[];
  /** Keysets and operations first used by this batch (or by an earlier one that failed to encode). */
  readonly newKeysets: readonly WireKeyset[];
  readonly newOps: readonly WireOp[];
}

export const INTS_PER_SPAN = 7;
export const I_FLAGS = 0;
export const I_STATUS = 1;
export const I_RESOURCE = 2;
export const I_SCOPE = 3;
export const I_ATTRS = 4;
export const I_KEYSET = 5;
export const I_OP = 6;

/** Strings after a span's attribute values: its events, then its extras. */
export const STRINGS_PER_SPAN = 2;

/**
 * A span's rarely set fields, in one JSON column (`extras`, NULL when none is set): a column
 * each cost bytes and, above all, time in every trace lookup (DuckDB's cost of fetching a row
 * grows with the number of columns).
 */
export interface Extras {
  /** Dropped attribute, event and link counts. */
  a?: number;
  e?: number;
  l?: number;
  /** Status message, trace state. */
  m?: string;
  t?: string;
  /** Links: [trace id, span id, trace state, flags, dropped attributes, typed attributes]. */
  k?: [string, string, string, number, number, [string, Typed][]][];
  /** Typed forms of the array and kvlist attribute values, in order (their slots hold their text). */
  c?: Typed[];
  /** Texts of the attribute values beyond the slot columns (escaped, as in a slot), in order. */
  v?: string[];
}

/** [wire id, type codes, keys] */
export type WireKeyset = readonly [number, string, readonly string[]];
/** [wire id, service, name, kind] */
export type WireOp = readonly [number, string, string, SpanKind];

export function encodeResource(resource: Resource): WireResource {
  return {
    serviceName: serviceNameOf(resource),
    enc: JSON.stringify([attributesToTyped(resource.attributes), resource.droppedAttributesCount, resource.schemaUrl]),
  };
}

export interface WireResource {
  readonly serviceName: string;
  /** Typed JSON of the resource. */
  readonly enc: string;
}

export function encodeScope(scope: InstrumentationScope): string {
  return JSON.stringify([scope.name, scope.version, attributesToTyped(scope.attributes), scope.droppedAttributesCount, scope.schemaUrl]);
}

function extrasOf(batch: SpanBatch, i: number, complex: Typed[] | undefined): string {
  const a = batch.droppedAttributesCount[i];
  const e = batch.droppedEventsCount[i];
  const l = batch.droppedLinksCount[i];
  const m = batch.statusMessage[i];
  const t = batch.traceState[i];
  const links = batch.links[i];
  if (a === 0 && e === 0 && l === 0 && m === '' && t === '' && links.length === 0 && !complex) return '';
  const extras: Extras = {};
  if (a !== 0) extras.a = a;
  if (e !== 0) extras.e = e;
  if (l !== 0) extras.l = l;
  if (m !== '') extras.m = m;
  if (t !== '') extras.t = t;
  if (links.length > 0) extras.k = links.map((x) => [x.traceId, x.spanId, x.traceState, x.flags, x.droppedAttributesCount, attributesToTyped(x.attributes)]);
  if (complex) extras.c = complex;
  return JSON.stringify(extras);
}

/** The transferable buffers of a SpanWire. */
export function spanWireBuffers(wire: SpanWire): ArrayBuffer[] {
  return [wire.traceId, wire.spanId, wire.parentSpanId, wire.start, wire.end, wire.ints, wire.text, wire.ends].map((a) => a.buffer as ArrayBuffer);
}

const CODES = 'sbidzyeak';

/** Index of a value's type code (value-codec's TypeCode) in CODES. */
function codeIndex(value: AnyValue): number {
  switch (typeof value) {
    case 'string':
      return 0;
    case 'boolean':
      return 1;
    case 'bigint':
      return 2;
    case 'number':
      return Object.is(value, -0) ? 4 : 3;
    default:
      if (value === null) return 6;
      if (value instanceof Uint8Array) return 5;
      return Array.isArray(value) ? 7 : 8;
  }
}

interface KeysetNode {
  id: number;
  /** key -> child by type code index */
  readonly next: Map<string, (KeysetNode | undefined)[]>;
  /** The child taken last: spans of one instrumentation repeat their keys, so this usually hits. */
  lastKey: string | undefined;
  lastCode: number;
  lastChild: KeysetNode | undefined;
}

const newNode = (): KeysetNode => ({ id: -1, next: new Map(), lastKey: undefined, lastCode: -1, lastChild: undefined });

function childOf(node: KeysetNode, key: string, code: number): KeysetNode {
  if (key === node.lastKey && code === node.lastCode) return node.lastChild!;
  let byCode = node.next.get(key);
  if (!byCode) node.next.set(key, (byCode = []));
  const child = (byCode[code] ??= newNode());
  node.lastKey = key;
  node.lastCode = code;
  node.lastChild = child;
  return child;
}

/**
 * The main thread's side of the keyset and operation dictionaries: a trie over (key, type) per
 * attribute, and service -> name -> kind, each ending in a wire id. The worker maps wire ids to
 * its stored dictionary ids. Definitions wait in `unsent` until a batch carries them, so a batch
 * that fails to encode half-way loses none.
 */
export class WireDictionary {
  private readonly root: KeysetNode = newNode();
  private keysets = 0;
  private readonly opTree = new Map<string, Map<string, number[]>>();
  private ops = 0;
  private unsentKeysets: WireKeyset[] = [];
  private unsentOps: WireOp[] = [];

  keysetOf(attributes: Attributes, node: KeysetNode): number {
    if (node.id >= 0) return node.id;
    node.id = this.keysets++;
    this.unsentKeysets.push([node.id, attributes.map((kv) => CODES[codeIndex(kv.value)]).join(''), attributes.map((kv) => kv.key)]);
    return node.id;
  }

  get keysetRoot(): KeysetNode {
    return this.root;
  }

  private last: { service: string; name: string; kind: SpanKind; id: number } = { service: '', name: '', kind: 0, id: -1 };

  op(service: string, name: string, kind: SpanKind): number {
    const last = this.last;
    if (name === last.name && service === last.service && kind === last.kind && last.id >= 0) return last.id;
    let names = this.opTree.get(service);
    if (!names) this.opTree.set(service, (names = new Map()));
    let byKind = names.get(name);
    if (!byKind) names.set(name, (byKind = []));
    let id = byKind[kind];
    if (id === undefined) {
      id = byKind[kind] = this.ops++;
      this.unsentOps.push([id, service, name, kind]);
    }
    this.last = { service, name, kind, id };
    return id;
  }

  takeUnsent(): { newKeysets: WireKeyset[]; newOps: WireOp[] } {
    const out = { newKeysets: this.unsentKeysets, newOps: this.unsentOps };
    this.unsentKeysets = [];
    this.unsentOps = [];
    return out;
  }
}

/** A growing UTF-8 buffer of escaped strings, with each string's end offset. */
class TextWriter {
  bytes: Uint8Array;
  ends: Uint32Array;
  pos = 0;
  count = 0;

  /** Room for about `strings` strings of `bytes` bytes in all (it grows when more come). */
  constructor(strings: number, bytes: number) {
    this.bytes = new Uint8Array(bytes);
    this.ends = new Uint32Array(strings);
  }

  private room(bytes: number): void {
    if (this.pos + bytes > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + bytes));
      grown.set(this.bytes.subarray(0, this.pos));
      this.bytes = grown;
    }
  }

  private end(): void {
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = this.pos;
  }

  /**
   * Appends `s`, escaped (escapeField) unless `raw` (it is escaped already, or JSON): ASCII
   * without control characters is copied byte by byte, anything else goes through the encoder.
   */
  put(s: string, raw = false): void {
    const n = s.length;
    this.room(n);
    const out = this.bytes;
    const at = this.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || (!raw && c < 0x20 && (c === 0 || c >= 0x1b))) break;
      out[at + i] = c;
    }
    this.pos += i;
    if (i < n) {
      const rest = raw ? s.slice(i) : escapeField(s.slice(i));
      this.room(rest.length * 3);
      this.pos += encoder.encodeInto(rest, this.bytes.subarray(this.pos)).written;
    }
    this.end();
  }
}

const encoder = new TextEncoder();

export function encodeSpanBatch(batch: SpanBatch, dict: WireDictionary): SpanWire {
  const n = batch.length;
  const ints = new Uint32Array(n * INTS_PER_SPAN);
  const text = new TextWriter(n * 20, n * 256);
  const services = batch.resources.map(serviceNameOf);
  const fallbackService = services[0] ?? serviceNameOf(EMPTY_RESOURCE);
  const root = dict.keysetRoot;
  const eventKeys = new Set<string>();
  for (let i = 0; i < n; i++) {
    const k = i * INTS_PER_SPAN;
    const attributes = batch.attributes[i];
    let complex: Typed[] | undefined;
    let node = root;
    for (let j = 0; j < attributes.length; j++) {
      const kv = attributes[j];
      const value = kv.value;
      const code = codeIndex(value);
      node = childOf(node, kv.key, code);
      if (code === 0) {
        text.put(value as string);
      } else {
        text.put(textOf(value));
        if (code >= 7) (complex ??= []).push(toTyped(value));
      }
    }
    const spanEvents = batch.events[i];
    if (spanEvents.length > 0) {
      const spanStart = batch.startTimeUnixNano[i];
      let events = '';
      for (const e of spanEvents) {
        events += `\x1c${e.timeUnixNano - spanStart}\x1d${escapeField(e.name)}\x1d${e.droppedAttributesCount}`;
        if (e.attributes.length > 0) {
          for (const kv of e.attributes) {
            events += runEntry(kv.key, kv.value);
            eventKeys.add(kv.key);
          }
          events += '\x1f';
        }
      }
      // Already escaped field by field: written as is (its delimiters must stay).
      text.put(events, true);
    } else {
      text.put('', true);
    }
    // JSON has no raw control characters (NUL included) to escape.
    text.put(extrasOf(batch, i, complex), true);
    const resource = batch.resourceIndex[i];
    ints[k + I_FLAGS] = batch.flags[i];
    ints[k + I_STATUS] = batch.statusCode[i];
    ints[k + I_RESOURCE] = resource;
    ints[k + I_SCOPE] = batch.scopeIndex[i];
    ints[k + I_ATTRS] = attributes.length;
    ints[k + I_KEYSET] = dict.keysetOf(attributes, node);
    ints[k + I_OP] = dict.op(services[resource] ?? fallbackService, batch.name[i], batch.kind[i] as SpanKind);
  }
  return {
    n,
    traceId: batch.traceId.slice(0, n * TRACE_ID_BYTES),
    spanId: batch.spanId.slice(0, n * SPAN_ID_BYTES),
    parentSpanId: batch.parentSpanId.slice(0, n * SPAN_ID_BYTES),
    start: batch.startTimeUnixNano.slice(0, n),
    end: batch.endTimeUnixNano.slice(0, n),
    ints,
    text: text.bytes.slice(0, text.pos),
    ends: text.ends.slice(0, text.count),
    eventKeys: [...eventKeys],
    resources: batch.resources,
    scopes: batch.scopes,
    ...dict.takeUnsent(),
  };
}

/** One log record, flattened for the worker. */
export interface WireLog {
  readonly time: bigint;
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  /** Text form (searched). */
  readonly bodyText: string;
  /** Type code of the body, and for arrays and kvlists its typed JSON after the code. */
  readonly bodyType: string;
  readonly attributes: string;
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
  readonly resource: number;
  readonly scope: number;
}

export interface LogWire {
  readonly records: WireLog[];
  readonly resources: readonly Resource[];
  readonly scopes: readonly InstrumentationScope[];
}

export function encodeLogBatch(batch: LogBatch): LogWire {
  const records: WireLog[] = [];
  for (let i = 0; i < batch.length; i++) {
    const body = batch.body[i];
    const code = typeCodeOf(body);
    const tid = batch.traceId.subarray(i * TRACE_ID_BYTES, (i + 1) * TRACE_ID_BYTES);
    const sid = batch.spanId.subarray(i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES);
    records.push({
      time: logTimeOf({ timeUnixNano: batch.timeUnixNano[i], observedTimeUnixNano: batch.observedTimeUnixNano[i] }),
      timeUnixNano: batch.timeUnixNano[i],
      observedTimeUnixNano: batch.observedTimeUnixNano[i],
      severityNumber: batch.severityNumber[i],
      severityText: batch.severityText[i],
      bodyText: textOf(body),
      bodyType: code === 'a' || code === 'k' ? code + JSON.stringify(toTyped(body)) : code,
      attributes: JSON.stringify(attributesToTyped(batch.attributes[i])),
      droppedAttributesCount: batch.droppedAttributesCount[i],
      flags: batch.flags[i],
      traceId: hexOrEmpty(tid),
      spanId: hexOrEmpty(sid),
      eventName: batch.eventName[i],
      resource: batch.resourceIndex[i],
      scope: batch.scopeIndex[i],
    });
  }
  return { records, resources: batch.resources, scopes: batch.scopes };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexOrEmpty(bytes: Uint8Array): string {
  let zero = true;
  let out = '';
  for (const b of bytes) {
    if (b !== 0) zero = false;
    out += HEX[b];
  }
  return zero ? '' : out;
}
