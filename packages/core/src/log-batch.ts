import type { AnyValue, Attributes } from './attributes.js';
import { bytesToHex, hexToBytes, isZero, SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import { grow } from './internal/growable.js';
import type { InstrumentationScope, LogRecord, Resource } from './model.js';

const NONE: readonly never[] = Object.freeze([]);

/**
 * OTLP log records in columns, shaped like SpanBatch: resources and scopes referenced by index,
 * ids as raw bytes (all zero when the record has none), times in nanoseconds.
 */
export interface LogBatch {
  readonly length: number;
  readonly resources: readonly Resource[];
  readonly scopes: readonly InstrumentationScope[];
  readonly resourceIndex: Uint32Array;
  readonly scopeIndex: Uint32Array;
  readonly timeUnixNano: BigUint64Array;
  readonly observedTimeUnixNano: BigUint64Array;
  readonly severityNumber: Uint8Array;
  readonly severityText: readonly string[];
  readonly body: readonly AnyValue[];
  readonly attributes: readonly Attributes[];
  readonly droppedAttributesCount: Uint32Array;
  readonly flags: Uint32Array;
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly eventName: readonly string[];
}

/** Builds a LogBatch row by row; see SpanBatchBuilder for the conventions. */
export class LogBatchBuilder {
  length = 0;
  readonly resources: Resource[] = [];
  readonly scopes: InstrumentationScope[] = [];
  resourceIndex = new Uint32Array(0);
  scopeIndex = new Uint32Array(0);
  timeUnixNano = new BigUint64Array(0);
  observedTimeUnixNano = new BigUint64Array(0);
  timeBytes = new Uint8Array(0);
  observedBytes = new Uint8Array(0);
  severityNumber = new Uint8Array(0);
  droppedAttributesCount = new Uint32Array(0);
  flags = new Uint32Array(0);
  traceId = new Uint8Array(0);
  spanId = new Uint8Array(0);
  readonly severityText: string[] = [];
  readonly body: AnyValue[] = [];
  readonly attributes: Attributes[] = [];
  readonly eventName: string[] = [];

  addResource(resource: Resource): number {
    return this.resources.push(resource) - 1;
  }

  addScope(scope: InstrumentationScope): number {
    return this.scopes.push(scope) - 1;
  }

  addRecord(resource: number, scope: number): number {
    const i = this.length++;
    const n = this.length;
    if (this.resourceIndex.length < n) this.growTo(n);
    this.resourceIndex[i] = resource;
    this.scopeIndex[i] = scope;
    this.severityText.push('');
    this.body.push(null);
    this.attributes.push(NONE);
    this.eventName.push('');
    return i;
  }

  discardLast(): void {
    const i = --this.length;
    this.timeUnixNano[i] = 0n;
    this.observedTimeUnixNano[i] = 0n;
    this.severityNumber[i] = 0;
    this.droppedAttributesCount[i] = 0;
    this.flags[i] = 0;
    this.traceId.fill(0, i * TRACE_ID_BYTES, (i + 1) * TRACE_ID_BYTES);
    this.spanId.fill(0, i * SPAN_ID_BYTES, (i + 1) * SPAN_ID_BYTES);
    this.severityText.pop();
    this.body.pop();
    this.attributes.pop();
    this.eventName.pop();
  }

  addRow(log: LogRecord, resourceIds: Map<Resource, number>, scopeIds: Map<InstrumentationScope, number>): number {
    let r = resourceIds.get(log.resource);
    if (r === undefined) resourceIds.set(log.resource, (r = this.addResource(log.resource)));
    let s = scopeIds.get(log.scope);
    if (s === undefined) scopeIds.set(log.scope, (s = this.addScope(log.scope)));
    const i = this.addRecord(r, s);
    this.timeUnixNano[i] = log.timeUnixNano;
    this.observedTimeUnixNano[i] = log.observedTimeUnixNano;
    this.severityNumber[i] = log.severityNumber;
    this.severityText[i] = log.severityText;
    this.body[i] = log.body;
    this.attributes[i] = log.attributes;
    this.droppedAttributesCount[i] = log.droppedAttributesCount;
    this.flags[i] = log.flags;
    if (log.traceId) this.traceId.set(hexToBytes(log.traceId) ?? new Uint8Array(TRACE_ID_BYTES), i * TRACE_ID_BYTES);
    if (log.spanId) this.spanId.set(hexToBytes(log.spanId) ?? new Uint8Array(SPAN_ID_BYTES), i * SPAN_ID_BYTES);
    this.eventName[i] = log.eventName;
    return i;
  }

  finish(): LogBatch {
    const n = this.length;
    return {
      length: n,
      resources: this.resources,
      scopes: this.scopes,
      resourceIndex: this.resourceIndex.subarray(0, n),
      scopeIndex: this.scopeIndex.subarray(0, n),
      timeUnixNano: this.timeUnixNano.subarray(0, n),
      observedTimeUnixNano: this.observedTimeUnixNano.subarray(0, n),
      severityNumber: this.severityNumber.subarray(0, n),
      severityText: this.severityText,
      body: this.body,
      attributes: this.attributes,
      droppedAttributesCount: this.droppedAttributesCount.subarray(0, n),
      flags: this.flags.subarray(0, n),
      traceId: this.traceId.subarray(0, n * TRACE_ID_BYTES),
      spanId: this.spanId.subarray(0, n * SPAN_ID_BYTES),
      eventName: this.eventName,
    };
  }

  private growTo(n: number): void {
    this.resourceIndex = grow(this.resourceIndex, Uint32Array, n);
    this.scopeIndex = grow(this.scopeIndex, Uint32Array, n);
    this.timeUnixNano = grow(this.timeUnixNano, BigUint64Array, n);
    this.observedTimeUnixNano = grow(this.observedTimeUnixNano, BigUint64Array, n);
    this.timeBytes = new Uint8Array(this.timeUnixNano.buffer);
    this.observedBytes = new Uint8Array(this.observedTimeUnixNano.buffer);
    this.severityNumber = grow(this.severityNumber, Uint8Array, n);
    this.droppedAttributesCount = grow(this.droppedAttributesCount, Uint32Array, n);
    this.flags = grow(this.flags, Uint32Array, n);
    this.traceId = grow(this.traceId, Uint8Array, n, TRACE_ID_BYTES);
    this.spanId = grow(this.spanId, Uint8Array, n, SPAN_ID_BYTES);
  }
}

export function emptyLogBatch(): LogBatch {
  return new LogBatchBuilder().finish();
}

/** Record `i` as a row object. */
export function logAt(batch: LogBatch, i: number): LogRecord {
  return {
    timeUnixNano: batch.timeUnixNano[i],
    observedTimeUnixNano: batch.observedTimeUnixNano[i],
    severityNumber: batch.severityNumber[i],
    severityText: batch.severityText[i],
    body: batch.body[i],
    attributes: batch.attributes[i],
    droppedAttributesCount: batch.droppedAttributesCount[i],
    flags: batch.flags[i],
    traceId: isZero(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES) ? '' : bytesToHex(batch.traceId, i * TRACE_ID_BYTES, TRACE_ID_BYTES),
    spanId: isZero(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES) ? '' : bytesToHex(batch.spanId, i * SPAN_ID_BYTES, SPAN_ID_BYTES),
    eventName: batch.eventName[i],
    resource: batch.resources[batch.resourceIndex[i]],
    scope: batch.scopes[batch.scopeIndex[i]],
  };
}

export function logsOf(batch: LogBatch): LogRecord[] {
  const out = new Array<LogRecord>(batch.length);
  for (let i = 0; i < batch.length; i++) out[i] = logAt(batch, i);
  return out;
}

export function logBatchFromRecords(records: Iterable<LogRecord>): LogBatch {
  const b = new LogBatchBuilder();
  const resources = new Map<Resource, number>();
  const scopes = new Map<InstrumentationScope, number>();
  for (const record of records) b.addRow(record, resources, scopes);
  return b.finish();
}
