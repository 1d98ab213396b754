import type { ComponentFactory, Listener } from '../../component.js';
import type { Endpoint } from '../../internal/schema.js';
import { bytes, endpoint, object, parseConfig } from '../../internal/schema.js';
import { createReceiverCounters } from '../../telemetry.js';
import { otlpGrpcReceiverFactory } from '../otlp-grpc/otlp-grpc-receiver.js';
import { DEFAULT_MAX_BODY_BYTES, otlpHttpReceiverFactory } from '../otlp-http/otlp-http-receiver.js';
import type { Receiver, ReceiverDeps } from '../receiver.js';
import { ConfigError } from '../../component.js';

export interface OtlpGrpcProtocolConfig {
  /** Default `127.0.0.1:4317`. */
  readonly endpoint: Endpoint;
  /** Largest message after decompression; larger ones get RESOURCE_EXHAUSTED. Default 20 MiB. */
  readonly max_recv_msg_size: number;
}

export interface OtlpHttpProtocolConfig {
  /** Default `127.0.0.1:4318`. */
  readonly endpoint: Endpoint;
  /** Largest body after decompression; larger ones get 413. Default 20 MiB. */
  readonly max_request_body_size: number;
}

/** Like the Collector's: a protocol is on when its key is present (an empty value takes the defaults). */
export interface OtlpReceiverConfig {
  readonly protocols: {
    readonly grpc?: OtlpGrpcProtocolConfig;
    readonly http?: OtlpHttpProtocolConfig;
  };
}

const grpcProtocol = object<OtlpGrpcProtocolConfig>(
  { endpoint, max_recv_msg_size: bytes() },
  { endpoint: '127.0.0.1:4317', max_recv_msg_size: DEFAULT_MAX_BODY_BYTES },
);
const httpProtocol = object<OtlpHttpProtocolConfig>(
  { endpoint, max_request_body_size: bytes() },
  { endpoint: '127.0.0.1:4318', max_request_body_size: DEFAULT_MAX_BODY_BYTES },
);

function validate(config: unknown, path = 'receivers.otlp'): OtlpReceiverConfig {
  const raw = (config ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${path}: must be a map of settings`);
  const unknown = Object.keys(raw).filter((k) => k !== 'protocols');
  const protocols = (raw.protocols ?? {}) as Record<string, unknown>;
  const problems: string[] = unknown.map((k) => `${path}.${k}: unknown key (known: protocols)`);
  if (typeof protocols !== 'object' || Array.isArray(protocols)) problems.push(`${path}.protocols: must be a map with grpc and/or http`);
  else {
    for (const k of Object.keys(protocols)) if (k !== 'grpc' && k !== 'http') problems.push(`${path}.protocols.${k}: unknown protocol (known: grpc, http)`);
    if (!Object.hasOwn(protocols, 'grpc') && !Object.hasOwn(protocols, 'http')) problems.push(`${path}.protocols: must enable grpc and/or http`);
  }
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  const out: { grpc?: OtlpGrpcProtocolConfig; http?: OtlpHttpProtocolConfig } = {};
  const found: string[] = [];
  const parse = <T>(fn: () => T) => {
    try {
      return fn();
    } catch (err) {
      found.push((err as Error).message);
      return undefined;
    }
  };
  if (Object.hasOwn(protocols, 'grpc')) out.grpc = parse(() => parseConfig(grpcProtocol, protocols.grpc, `${path}.protocols.grpc`));
  if (Object.hasOwn(protocols, 'http')) out.http = parse(() => parseConfig(httpProtocol, protocols.http, `${path}.protocols.http`));
  if (found.length > 0) throw new ConfigError(found.join('; '));
  return { protocols: out };
}

/**
 * The OTLP receiver as the Collector configures it: gRPC and/or HTTP under `protocols`, one set of
 * counters for both.
 */
export const otlpReceiverFactory: ComponentFactory<OtlpReceiverConfig, ReceiverDeps, Receiver> = {
  kind: 'receiver',
  type: 'otlp',
  signals: ['traces', 'logs'],
  defaultConfig: () => validate({ protocols: { grpc: {}, http: {} } }),
  validateConfig: validate,
  create(config, deps) {
    const counters = deps.counters ?? createReceiverCounters();
    const parts: Receiver[] = [];
    const { grpc, http } = config.protocols;
    if (grpc) {
      const c = otlpGrpcReceiverFactory.validateConfig({ host: grpc.endpoint.host, port: grpc.endpoint.port, maxMessageBytes: grpc.max_recv_msg_size });
      parts.push(otlpGrpcReceiverFactory.create(c, { ...deps, counters }));
    }
    if (http) {
      const c = otlpHttpReceiverFactory.validateConfig({ host: http.endpoint.host, port: http.endpoint.port, maxBodyBytes: http.max_request_body_size });
      parts.push(otlpHttpReceiverFactory.create(c, { ...deps, counters }));
    }
    let shutdownPromise: Promise<void> | undefined;
    const shutdown = () => (shutdownPromise ??= Promise.all(parts.map((p) => p.shutdown())).then(() => undefined));
    return {
      type: 'otlp',
      counters,
      address: () => parts[0]?.address(),
      listeners: (): Listener[] => parts.flatMap((p) => p.listeners?.() ?? []),
      async start() {
        const results = await Promise.allSettled(parts.map((p) => p.start()));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
          await shutdown();
          throw failed.reason;
        }
      },
      shutdown,
    };
  },
};
