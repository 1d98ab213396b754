// Sends hand-shaped traces through the real OpenTelemetry JS SDK and its OTLP/HTTP (protobuf)
// exporter, one TracerProvider per service (service.name lives on the resource), with explicit
// start and end times so durations, the critical path and the statistics are known exactly.
import type { Attributes, Context, Link } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export interface SpanPlan {
  readonly service: string;
  readonly name: string;
  readonly kind?: SpanKind;
  /** ms from the trace's base time. */
  readonly start: number;
  readonly end: number;
  readonly attributes?: Attributes;
  readonly events?: readonly { readonly name: string; readonly at: number; readonly attributes?: Attributes }[];
  /** Status error with this message. */
  readonly error?: string;
  readonly links?: readonly { readonly traceId: string; readonly spanId: string; readonly attributes?: Attributes }[];
  readonly children?: readonly SpanPlan[];
  /** A name to find the span id by afterwards. */
  readonly ref?: string;
}

export interface SentTrace {
  readonly traceId: string;
  /** Span ids by `ref`. */
  readonly refs: ReadonlyMap<string, string>;
  readonly spanCount: number;
}

export interface TraceSender {
  /** Sends one trace starting at `baseMs` (epoch ms); resolves once the receiver acknowledged it. */
  send(root: SpanPlan, baseMs: number): Promise<SentTrace>;
  shutdown(): Promise<void>;
}

export function createTraceSender(otlpTracesUrl: string, resourceAttributes: Attributes = {}, scopeName = 'ui-test-scenario'): TraceSender {
  const providers = new Map<string, TracerProvider>();
  const providerFor = (service: string): TracerProvider => {
    let p = providers.get(service);
    if (!p) {
      p = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.4.2', 'host.name': 'ui-test', ...resourceAttributes }),
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: otlpTracesUrl }), scheduledDelayMillis: 50 })],
      });
      providers.set(service, p);
    }
    return p;
  };
  const flush = async () => {
    for (const p of providers.values()) await p.forceFlush();
  };
  return {
    async send(root, baseMs) {
      const refs = new Map<string, string>();
      let traceId = '';
      let count = 0;
      const at = (ms: number) => baseMs + ms;
      // Depth-first with an explicit stack; children are started after their parent.
      const stack: { plan: SpanPlan; ctx: Context }[] = [{ plan: root, ctx: ROOT_CONTEXT }];
      while (stack.length > 0) {
        const { plan, ctx } = stack.pop()!;
        const tracer = providerFor(plan.service).getTracer(scopeName, '1.0.0');
        const links: Link[] = (plan.links ?? []).map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: 1 }, attributes: l.attributes }));
        const span = tracer.startSpan(plan.name, { kind: plan.kind ?? SpanKind.INTERNAL, startTime: at(plan.start), attributes: plan.attributes, links }, ctx);
        count++;
        for (const e of plan.events ?? []) span.addEvent(e.name, e.attributes ?? {}, at(e.at));
        if (plan.error) span.setStatus({ code: SpanStatusCode.ERROR, message: plan.error });
        span.end(at(plan.end));
        const sc = span.spanContext();
        traceId = sc.traceId;
        if (plan.ref) refs.set(plan.ref, sc.spanId);
        const childCtx = trace.setSpan(ctx, span);
        for (const child of [...(plan.children ?? [])].reverse()) stack.push({ plan: child, ctx: childCtx });
      }
      await flush();
      return { traceId, refs, spanCount: count };
    },
    async shutdown() {
      for (const p of providers.values()) await p.shutdown();
      providers.clear();
    },
  };
}

/** Counts spans of a plan. */
export function spanCount(plan: SpanPlan): number {
  return 1 + (plan.children ?? []).reduce((s, c) => s + spanCount(c), 0);
}
