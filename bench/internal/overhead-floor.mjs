// The least any tracer can do per request and still give what issue #7 asks of every request,
// sampled or not: its own trace id (taken from an incoming `traceparent` or new), a context that
// code running for the request (and its async continuations) can find, and the `traceresponse`
// header. Preloaded (`node --import ./bench/internal/overhead-floor.mjs`) by bench/overhead.ts's
// diagnostic mode `floor`, to measure what that costs on this machine, next to the kit.
//
// Deliberately generous: no span is made (unless FLOOR_SDK_SPAN, below), no OpenTelemetry
// API (its context, propagators and samplers), no binding of request/response listeners, no route
// names, no baggage, no check that the entry's captured frame is still current, and the response
// header is added by changing the headers object the framework passes to `writeHead` in place
// (which a real tracer must not do: an application may pass the same object to every response).
// So the kit cannot be cheaper than this; if this misses a target, so must any tracer that keeps
// per-request trace ids.
//
// FLOOR_TRACERESPONSE=false leaves the header out; FLOOR_CONTEXT=false leaves out the context.
// FLOOR_SDK_SPAN=true adds, for each sampled request, the least the official SDK does for a span:
// a span without attributes started and ended through a TracerProvider with a batch span
// processor whose exporter drops the batches (no encoding, no network): with
// OTEL_TRACES_SAMPLER_ARG=1, the floor at 100% for a tracer built on the SDK.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import http from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createIdGenerator } from '../../packages/instrument/dist/internal/id-generator.js';

const sendHeader = process.env.FLOOR_TRACERESPONSE !== 'false';
const enterContext = process.env.FLOOR_CONTEXT !== 'false';
const ratio = Number(process.env.OTEL_TRACES_SAMPLER_ARG ?? '1');
const dropExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const tracer =
  process.env.FLOOR_SDK_SPAN === 'true'
    ? new TracerProvider({ spanProcessors: [new BatchSpanProcessor(dropExporter)] }).getTracer('floor')
    : undefined;
// Sampled when the trace id's last 56 bits (the W3C random part) are under ratio * 2^56; the top
// 24 of them are enough for a decision at this precision.
const threshold = Math.floor(ratio * 0x1000000);

const storage = new AsyncLocalStorage();

// The kit's own id pool (crypto-random bytes, turned into hex once per refill).
const ids = createIdGenerator();

class RequestContext {
  constructor(traceId, spanId, flags, span) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.flags = flags;
    this.span = span;
  }
}

const kContext = Symbol('floor.context');
const kEntry = Symbol('floor.entry');
const originalEmit = http.Server.prototype.emit;

function enterAndEmit(ctx, server, args) {
  storage.enterWith(ctx);
  return Reflect.apply(originalEmit, server, args);
}

http.Server.prototype.emit = function (event, req, res) {
  if (event !== 'request') return Reflect.apply(originalEmit, this, arguments);
  const parent = req.headers.traceparent;
  const valid = typeof parent === 'string' && parent.length === 55 && parent.startsWith('00-');
  const traceId = valid ? parent.slice(3, 35) : ids.generateTraceId();
  const sampled = valid ? parent.endsWith('1') : parseInt(traceId.slice(18, 24), 16) < threshold;
  const span = sampled && tracer !== undefined ? tracer.startSpan('GET', { kind: SpanKind.SERVER }) : undefined;
  const ctx = new RequestContext(traceId, ids.generateSpanId(), sampled ? '03' : '02', span);
  res[kContext] = ctx;
  if (!enterContext) return Reflect.apply(originalEmit, this, arguments);
  const entry = (this[kEntry] ??= new AsyncResource('floor.entry', { requireManualDestroy: true }));
  return entry.runInAsyncScope(enterAndEmit, undefined, ctx, this, arguments);
};

if (sendHeader) {
  const originalWriteHead = http.ServerResponse.prototype.writeHead;
  http.ServerResponse.prototype.writeHead = function (statusCode, reason, headers) {
    const ctx = this[kContext];
    ctx?.span?.end();
    const given = typeof reason === 'string' ? headers : reason;
    if (ctx !== undefined) {
      const value = `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
      if (given !== null && typeof given === 'object' && !Array.isArray(given)) given.traceresponse = value;
      else this.setHeader('traceresponse', value);
    }
    return Reflect.apply(originalWriteHead, this, arguments);
  };
}
