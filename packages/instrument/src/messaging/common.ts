import type { Attributes, Context, Link, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Producer and consumer spans by the OpenTelemetry messaging semantic conventions, shared by the
 * kit's broker integrations (NATS, Redis) and usable for any other broker. Span names are
 * `{operation} {destination}`; the trace context travels in the message's headers.
 */

export const SCOPE = '@tracelight/instrument';

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = 'messaging.message.body.size';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';

export interface ProducerSpanOptions<C> {
  system: string;
  destination: string;
  /** `messaging.operation.name`, e.g. `publish`, `send`. */
  operation?: string;
  /** Headers to write `traceparent`/`tracestate` into. */
  carrier: C;
  setter?: TextMapSetter<C>;
  attributes?: Attributes;
}

export interface ConsumerSpanOptions<C> {
  system: string;
  destination: string;
  /** `messaging.operation.name` (default `process`). */
  operation?: string;
  /** One carrier per message; a batch links to every producer. */
  carriers: readonly C[];
  getter?: TextMapGetter<C>;
  attributes?: Attributes;
}

function tracer() {
  return trace.getTracer(SCOPE);
}

function endWith<T>(span: Span, run: () => T): T {
  let result: T;
  try {
    result = run();
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    return (result as unknown as Promise<unknown>).then(
      (v) => {
        span.end();
        return v;
      },
      (err: unknown) => {
        fail(span, err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return result;
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Starts a PRODUCER span (child of the active context), injects its context into `carrier`
 * and runs `send` inside it; the span ends when `send` returns or its promise settles.
 */
export function withProducerSpan<C, T>(options: ProducerSpanOptions<C>, send: (span: Span) => T): T {
  const operation = options.operation ?? 'publish';
  const span = tracer().startSpan(`${operation} ${options.destination}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [ATTR_MESSAGING_SYSTEM]: options.system,
      [ATTR_MESSAGING_DESTINATION_NAME]: options.destination,
      [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR_MESSAGING_OPERATION_NAME]: operation,
      ...options.attributes,
    },
  });
  const ctx = trace.setSpan(context.active(), span);
  try {
    propagation.inject(ctx, options.carrier, options.setter);
  } catch {
    // a carrier we cannot write to: still send the message
  }
  return context.with(ctx, () => endWith(span, () => send(span)));
}

/** The trace context a message carries (ROOT when none or unreadable). */
export function extractMessageContext<C>(carrier: C, getter?: TextMapGetter<C>): Context {
  try {
    return propagation.extract(ROOT_CONTEXT, carrier, getter);
  } catch {
    return ROOT_CONTEXT;
  }
}

/**
 * Starts a CONSUMER span around `handle`. For one message the span is a child of the producer
 * (one trace from publisher to consumer) and also links to it, or a new root when the message
 * carries no context; for a batch it stays in the active context and links to each message's
 * producer span (semantic conventions: batch receiving). The span ends when `handle` returns or its promise settles.
 */
export function withConsumerSpan<C, T>(options: ConsumerSpanOptions<C>, handle: (span: Span) => T): T {
  const operation = options.operation ?? 'process';
  const links: Link[] = [];
  let parent = context.active();
  for (const carrier of options.carriers) {
    const sc = trace.getSpanContext(extractMessageContext(carrier, options.getter));
    if (sc) links.push({ context: sc });
  }
  if (options.carriers.length === 1) {
    // A delivery callback runs in whatever context the client library happened to leave active;
    // a single message belongs to its producer's trace, or starts its own.
    parent = links.length === 1 ? trace.setSpanContext(ROOT_CONTEXT, links[0].context) : ROOT_CONTEXT;
  }
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: options.system,
    [ATTR_MESSAGING_DESTINATION_NAME]: options.destination,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation === 'receive' ? 'receive' : 'process',
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
    ...options.attributes,
  };
  if (options.carriers.length !== 1) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = options.carriers.length;
  const span = tracer().startSpan(`${operation} ${options.destination}`, { kind: SpanKind.CONSUMER, attributes, links }, parent);
  return context.with(trace.setSpan(parent, span), () => endWith(span, () => handle(span)));
}
