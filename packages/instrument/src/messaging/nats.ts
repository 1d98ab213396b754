import type { Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { context, createContextKey } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import {
  isWrapped,
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_ID,
  withConsumerSpan,
  withProducerSpan,
} from './common.js';

/**
 * NATS has no OpenTelemetry instrumentation, so this is ours, for the `nats` client (v2):
 * PRODUCER spans for `publish`, `request` and JetStream `publish`, with `traceparent` and
 * `tracestate` in the message headers; CONSUMER (`process`) spans around subscription callbacks,
 * children of the producer. Messages read from iterators or JetStream consumers are traced with
 * `processNatsMessage` / `processNatsMessages`. Reply inboxes (`_INBOX.`) get no spans.
 */

export interface NatsHeaders {
  get(key: string): string;
  set(key: string, value: string): void;
  keys(): string[];
}

export interface NatsMessageLike {
  subject: string;
  headers?: NatsHeaders;
  data?: Uint8Array;
}

export const natsHeadersGetter: TextMapGetter<NatsHeaders | undefined> = {
  keys: (h) => (h ? h.keys() : []),
  get: (h, key) => {
    const v = h?.get(key);
    return v === undefined || v === '' ? undefined : v;
  },
};

export const natsHeadersSetter: TextMapSetter<NatsHeaders> = {
  set: (h, key, value) => h.set(key, value),
};

const SYSTEM = 'nats';
// Set while a traced publish/request runs: JetStream publish calls request, request calls
// publish; only the outermost call gets a span (its headers already carry the context).
const kInPublish = createContextKey('tracelight.nats.publish');
const VERSIONS = ['>=2.0.0 <3'];

function isInbox(subject: unknown): boolean {
  return typeof subject === 'string' && subject.startsWith('_INBOX.');
}

function bodySize(data: unknown): Record<string, number> {
  if (data instanceof Uint8Array) return { [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: data.byteLength };
  if (typeof data === 'string') return { [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: Buffer.byteLength(data) };
  return {};
}

/** Runs `handle` in a CONSUMER span for one NATS (or JetStream) message, child of its producer. */
export function processNatsMessage<T>(msg: NatsMessageLike, handle: (span: Span) => T): T {
  return withConsumerSpan(
    { system: SYSTEM, destination: msg.subject, carriers: [msg.headers], getter: natsHeadersGetter, attributes: bodySize(msg.data) },
    handle,
  );
}

/** Runs `handle` in one CONSUMER span for a batch, linked to each message's producer. */
export function processNatsMessages<T>(msgs: readonly NatsMessageLike[], handle: (span: Span) => T): T {
  const subjects = new Set(msgs.map((m) => m.subject));
  return withConsumerSpan(
    {
      system: SYSTEM,
      destination: subjects.size === 1 ? [...subjects][0] : 'batch',
      carriers: msgs.map((m) => m.headers),
      getter: natsHeadersGetter,
    },
    handle,
  );
}

type AnyFn = (...args: unknown[]) => unknown;
interface PublishOptions {
  headers?: NatsHeaders;
  msgID?: string;
  [k: string]: unknown;
}
interface SubscriptionOptions {
  callback?: (err: unknown, msg: NatsMessageLike) => void;
  queue?: string;
  [k: string]: unknown;
}

export class NatsInstrumentation extends InstrumentationBase {
  private createHeaders: (() => NatsHeaders) | undefined;

  constructor(config: InstrumentationConfig = {}) {
    super('@tracelight/instrument/nats', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const headersFile = new InstrumentationNodeModuleFile(
      'nats/lib/nats-base-client/headers.js',
      VERSIONS,
      (exports: { headers?: () => NatsHeaders }) => {
        if (typeof exports.headers === 'function') this.createHeaders = exports.headers;
        return exports;
      },
      () => {},
    );
    const connectionFile = new InstrumentationNodeModuleFile(
      'nats/lib/nats-base-client/nats.js',
      VERSIONS,
      (exports: { NatsConnectionImpl?: { prototype: Record<string, AnyFn> } }) => {
        const proto = exports.NatsConnectionImpl?.prototype;
        if (proto) {
          if (!isWrapped(proto.publish)) this._wrap(proto, 'publish', (orig) => this.patchPublish(orig as AnyFn, 'publish'));
          if (!isWrapped(proto.request)) this._wrap(proto, 'request', (orig) => this.patchPublish(orig as AnyFn, 'request'));
          if (!isWrapped(proto.subscribe)) this._wrap(proto, 'subscribe', (orig) => this.patchSubscribe(orig as AnyFn));
        }
        return exports;
      },
      (exports: { NatsConnectionImpl?: { prototype: Record<string, AnyFn> } }) => {
        const proto = exports?.NatsConnectionImpl?.prototype;
        if (proto) this._massUnwrap([proto], ['publish', 'request', 'subscribe']);
      },
    );
    const jetstreamFile = new InstrumentationNodeModuleFile(
      'nats/lib/jetstream/jsclient.js',
      VERSIONS,
      (exports: { JetStreamClientImpl?: { prototype: Record<string, AnyFn> } }) => {
        const proto = exports.JetStreamClientImpl?.prototype;
        if (proto && !isWrapped(proto.publish)) {
          this._wrap(proto, 'publish', (orig) => this.patchPublish(orig as AnyFn, 'publish', true));
        }
        return exports;
      },
      (exports: { JetStreamClientImpl?: { prototype: Record<string, AnyFn> } }) => {
        const proto = exports?.JetStreamClientImpl?.prototype;
        if (proto) this._unwrap(proto, 'publish');
      },
    );
    return [new InstrumentationNodeModuleDefinition('nats', VERSIONS, undefined, undefined, [headersFile, connectionFile, jetstreamFile])];
  }

  private patchPublish(original: AnyFn, operation: string, jetstream = false): AnyFn {
    const createHeaders = (): NatsHeaders | undefined => this.createHeaders?.();
    return function patched(this: unknown, subject: unknown, data: unknown, options?: PublishOptions) {
      if (typeof subject !== 'string' || isInbox(subject) || context.active().getValue(kInPublish)) {
        return original.call(this, subject, data, options);
      }
      let headers: NatsHeaders | undefined;
      try {
        headers = options?.headers ?? createHeaders();
      } catch {
        headers = undefined;
      }
      if (!headers) return original.call(this, subject, data, options);
      const attributes: Record<string, string | number> = { ...bodySize(data) };
      if (jetstream && typeof options?.msgID === 'string') attributes[ATTR_MESSAGING_MESSAGE_ID] = options.msgID;
      return withProducerSpan(
        { system: SYSTEM, destination: subject, operation, carrier: headers, setter: natsHeadersSetter, attributes },
        () => context.with(context.active().setValue(kInPublish, true), () => original.call(this, subject, data, { ...options, headers })),
      );
    } as unknown as AnyFn;
  }

  private patchSubscribe(original: AnyFn): AnyFn {
    return function patched(this: unknown, subject: unknown, opts?: SubscriptionOptions) {
      const callback = opts?.callback;
      if (typeof callback !== 'function' || isInbox(subject)) return original.call(this, subject, opts);
      const queue = opts?.queue;
      const wrapped = (err: unknown, msg: NatsMessageLike): void => {
        if (err || !msg || typeof msg.subject !== 'string') {
          callback(err, msg);
          return;
        }
        withConsumerSpan(
          {
            system: SYSTEM,
            destination: msg.subject,
            carriers: [msg.headers],
            getter: natsHeadersGetter,
            attributes: { ...bodySize(msg.data), ...(queue ? { [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: queue } : {}) },
          },
          () => callback(err, msg),
        );
      };
      return original.call(this, subject, { ...opts, callback: wrapped });
    } as unknown as AnyFn;
  }
}
