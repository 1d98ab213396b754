import type { Context } from '@opentelemetry/api';
import { diag, TraceFlags } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { HttpSender } from './http-sender.js';
import { ProtoWriter } from './proto-writer.js';
import type { ScopeBatch } from './span-encoding.js';
import { appendSpan, encodeRequest, encodeResource, encodeScope } from './span-encoding.js';

/**
 * The kit's default export path (OTLP http/protobuf): a batching span processor that encodes
 * each sampled span into the open batch's buffer the moment it ends, instead of keeping the
 * span objects until export and serialising them then (`BatchSpanProcessor` + OTLP exporter).
 * Nothing but bytes waits for the export, so ended spans die young (no promotion to the old
 * generation, no mark-compact work for them), and each span is encoded once.
 *
 * Same behaviour as the SDK's batch processor otherwise: a batch is sent when it holds
 * `maxExportBatchSize` spans or `scheduledDelayMillis` after its first span, one export at a
 * time; at most `maxQueueSize` spans wait (open batch and sealed ones), more are dropped and
 * counted (`dropped`, and a `diag` warning). `forceFlush` sends everything and waits; `shutdown`
 * flushes once and stops.
 */

export interface OtlpSpanProcessorOptions {
  sender: HttpSender;
  /** Default 512. */
  maxExportBatchSize?: number;
  /** Default 2048. */
  maxQueueSize?: number;
  /** Default 5000 ms. */
  scheduledDelayMillis?: number;
}

export interface OtlpSpanProcessor extends SpanProcessor {
  /** Spans dropped because the queue was full or an export failed. */
  readonly dropped: number;
  /** Spans acknowledged by the collector. */
  readonly exported: number;
}

type Scope = ReadableSpan['instrumentationScope'];

interface Sealed {
  batches: ScopeBatch[];
  spans: number;
}

export function createOtlpSpanProcessor(options: OtlpSpanProcessorOptions): OtlpSpanProcessor {
  const { sender } = options;
  const maxBatch = Math.max(1, options.maxExportBatchSize ?? 512);
  const maxQueue = Math.max(maxBatch, options.maxQueueSize ?? 2048);
  const delay = options.scheduledDelayMillis ?? 5000;

  // The open batch: one writer per resource and scope.
  let open = new Map<Resource, Map<Scope, ScopeBatch>>();
  let openSpans = 0;
  const sealed: Sealed[] = [];
  let queued = 0; // spans in the open batch and in sealed batches
  let sending: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let shutdownPromise: Promise<void> | undefined;
  let dropped = 0;
  let droppedSinceWarning = 0;
  let exported = 0;

  const resources = new WeakMap<Resource, Uint8Array>();
  const scopes = new WeakMap<Scope, Uint8Array>();
  const encoded = {
    resource(r: Resource): Uint8Array {
      let bytes = resources.get(r);
      if (bytes === undefined) {
        bytes = encodeResource(r);
        if (!r.asyncAttributesPending) resources.set(r, bytes);
      }
      return bytes;
    },
    scope(s: Scope): Uint8Array {
      let bytes = scopes.get(s);
      if (bytes === undefined) {
        bytes = encodeScope(s);
        scopes.set(s, bytes);
      }
      return bytes;
    },
  };

  function drop(n: number): void {
    dropped += n;
    if (droppedSinceWarning === 0) {
      // One warning per burst (the next one after an export goes through).
      diag.warn('tracelight: span export queue full or export failed; dropping spans');
    }
    droppedSinceWarning += n;
  }

  function seal(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (openSpans === 0) return;
    const batches: ScopeBatch[] = [];
    for (const byScope of open.values()) for (const b of byScope.values()) batches.push(b);
    sealed.push({ batches, spans: openSpans });
    open = new Map();
    openSpans = 0;
  }

  function pump(): Promise<void> {
    if (sending) return sending;
    const next = sealed.shift();
    if (next === undefined) return Promise.resolve();
    sending = (async () => {
      try {
        // Resource attributes a detector still computes (e.g. host.id) are waited for once.
        for (const b of next.batches) if (b.resource.asyncAttributesPending) await b.resource.waitForAsyncAttributes?.();
        const result = await sender.send(encodeRequest(next.batches, encoded));
        if (result.ok) {
          exported += next.spans;
          if (result.partial) diag.warn(`tracelight: collector rejected ${result.partial.rejected} spans: ${result.partial.message}`);
          if (droppedSinceWarning > 0) {
            diag.warn(`tracelight: dropped ${droppedSinceWarning} spans (queue full or export failed)`);
            droppedSinceWarning = 0;
          }
        } else {
          diag.warn(`tracelight: span export failed: ${result.error.message}`);
          drop(next.spans);
        }
      } catch (err) {
        diag.warn(`tracelight: span export failed: ${String(err)}`);
        drop(next.spans);
      } finally {
        queued -= next.spans;
        sending = undefined;
      }
      await pump();
    })();
    return sending;
  }

  function add(span: ReadableSpan): void {
    let byScope = open.get(span.resource);
    if (byScope === undefined) {
      byScope = new Map();
      open.set(span.resource, byScope);
    }
    const scope = span.instrumentationScope;
    let batch = byScope.get(scope);
    if (batch === undefined) {
      batch = { resource: span.resource, scope, spans: new ProtoWriter(16 * 1024) };
      byScope.set(scope, batch);
    }
    const before = batch.spans.pos;
    try {
      appendSpan(batch.spans, span);
    } catch (err) {
      batch.spans.pos = before;
      throw err;
    }
    openSpans++;
    queued++;
    if (openSpans >= maxBatch) {
      seal();
      void pump();
    } else if (timer === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        seal();
        void pump();
      }, delay);
      timer.unref();
    }
  }

  async function flush(): Promise<void> {
    seal();
    while (sending || sealed.length > 0) await pump();
  }

  return {
    get dropped() {
      return dropped;
    },
    get exported() {
      return exported;
    },
    onStart(_span: Span, _parentContext: Context): void {},
    onEnd(span: ReadableSpan): void {
      if (closed || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      if (queued >= maxQueue) {
        drop(1);
        return;
      }
      try {
        add(span);
      } catch (err) {
        // A span that cannot be encoded is dropped, never thrown into the application.
        diag.warn(`tracelight: could not encode span ${span.name}: ${String(err)}`);
        drop(1);
      }
    },
    forceFlush(): Promise<void> {
      return shutdownPromise ?? flush();
    },
    shutdown(): Promise<void> {
      shutdownPromise ??= (async () => {
        try {
          await flush();
        } finally {
          closed = true;
          sender.shutdown();
        }
      })();
      return shutdownPromise;
    },
  };
}
