import type { InstrumentationScope, Resource } from '@tracelight/core';
import { EMPTY_RESOURCE, EMPTY_SCOPE } from '@tracelight/core';
import { newParts, readResource, readScope, toResource, toScope } from './proto-decode-common.js';
import { ProtoReader } from './proto-reader.js';
import type { Rejections } from './rejections.js';

/** What SpanBatchBuilder and LogBatchBuilder have in common. */
export interface GroupingBuilder {
  readonly length: number;
  readonly resources: Resource[];
  readonly scopes: InstrumentationScope[];
  addResource(resource: Resource): number;
  addScope(scope: InstrumentationScope): number;
}

/** Reads one span / log record message ending at `end` into the builder (or rejects it). */
export type ReadItem<B> = (r: ProtoReader, end: number, b: B, resourceIndex: number, scopeIndex: number, rejections: Rejections) => void;

/**
 * Export{Trace,Logs}ServiceRequest { repeated Resource{Spans,Logs} = 1 }, each
 * { resource = 1; repeated Scope{Spans,Logs} = 2; schema_url = 3 }, each
 * { scope = 1; repeated item = 2; schema_url = 3 }: the same shape for both signals.
 */
export function readRequest<B extends GroupingBuilder>(body: Uint8Array, b: B, readItem: ReadItem<B>, rejections: Rejections): void {
  const r = new ProtoReader(body);
  const end = body.length;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x0a) readResourceGroup(r, r.sub(end), b, readItem, rejections);
    else r.skip(tag, end);
  }
}

function readResourceGroup<B extends GroupingBuilder>(r: ProtoReader, end: number, b: B, readItem: ReadItem<B>, rejections: Rejections): void {
  // The resource may come after its items on the wire: reserve its index, fill it in at the end.
  const resourceIndex = b.addResource(EMPTY_RESOURCE);
  const scopesBefore = b.scopes.length;
  const itemsBefore = b.length;
  const parts = newParts();
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x12) readScopeGroup(r, r.sub(end), b, resourceIndex, readItem, rejections);
    else if (tag === 0x0a) readResource(r, r.sub(end), parts);
    else if (tag === 0x1a) schemaUrl = r.string(end);
    else r.skip(tag, end);
  }
  if (b.length === itemsBefore) {
    // No item refers to it (or to the scopes read inside it): keep the tables tight.
    b.resources.pop();
    b.scopes.length = scopesBefore;
    return;
  }
  b.resources[resourceIndex] = toResource(parts, schemaUrl);
}

function readScopeGroup<B extends GroupingBuilder>(r: ProtoReader, end: number, b: B, resourceIndex: number, readItem: ReadItem<B>, rejections: Rejections): void {
  const scopeIndex = b.addScope(EMPTY_SCOPE);
  const itemsBefore = b.length;
  const parts = newParts();
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x12) readItem(r, r.sub(end), b, resourceIndex, scopeIndex, rejections);
    else if (tag === 0x0a) readScope(r, r.sub(end), parts);
    else if (tag === 0x1a) schemaUrl = r.string(end);
    else r.skip(tag, end);
  }
  if (b.length === itemsBefore) {
    b.scopes.pop();
    return;
  }
  b.scopes[scopeIndex] = toScope(parts, schemaUrl);
}
