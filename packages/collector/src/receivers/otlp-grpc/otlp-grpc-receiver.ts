import type { handleUnaryCall, ServerInterceptor, StatusObject } from '@grpc/grpc-js';
import type { TracelightError } from '@tracelight/core';
import { Metadata, Server, ServerCredentials, ServerInterceptingCall, status as GrpcStatus } from '@grpc/grpc-js';
import { encodeExportResponse, logsServiceDefinition, traceServiceDefinition } from '@tracelight/otlp';
import type { ComponentFactory } from '../../component.js';
import { isHost, isPort, isPositiveInteger, resolveConfig } from '../../internal/config.js';
import type { Signal } from '../../internal/ingest.js';
import { ingest } from '../../internal/ingest.js';
import { formatHostPort, ListenError } from '../../listen-error.js';
import { refusalStatus, retryInfoStatusDetails } from '../../internal/status.js';
import { createReceiverCounters } from '../../telemetry.js';
import type { Receiver, ReceiverDeps } from '../receiver.js';

export interface OtlpGrpcReceiverConfig {
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host: string;
  /** Default 4317; 0 picks a free port (see `address()`). */
  readonly port: number;
  /**
   * Largest request message, in bytes, after decompression (`grpc.max_receive_message_length`);
   * larger ones get RESOURCE_EXHAUSTED. Default 20 MiB.
   */
  readonly maxMessageBytes: number;
  /** How long `shutdown()` waits for in-flight calls before cancelling them. Default 10 s. */
  readonly shutdownTimeoutMs: number;
}

const DEFAULTS: OtlpGrpcReceiverConfig = Object.freeze({
  host: '127.0.0.1',
  port: 4317,
  maxMessageBytes: 20 * 1024 * 1024,
  shutdownTimeoutMs: 10_000,
});

/**
 * OTLP/gRPC receiver: TraceService/Export and LogsService/Export. grpc-js hands us the raw
 * (already decompressed: it negotiates gzip itself) message bytes, which go straight to our own
 * decoder.
 */
export const otlpGrpcReceiverFactory: ComponentFactory<OtlpGrpcReceiverConfig, ReceiverDeps, Receiver> = {
  kind: 'receiver',
  type: 'otlp-grpc',
  defaultConfig: () => ({ ...DEFAULTS }),
  validateConfig: (config) =>
    resolveConfig('otlp-grpc', DEFAULTS, config, {
      host: isHost,
      port: isPort,
      maxMessageBytes: isPositiveInteger,
      shutdownTimeoutMs: isPositiveInteger,
    }),
  create: (config, deps) => createOtlpGrpcReceiver(config, deps),
};

/**
 * A refusal as a gRPC error: retryable ones carry RetryInfo in `grpc-status-details-bin` (and a
 * plain `retry-after` for clients that read only that).
 */
function refusalError(error: TracelightError): Partial<StatusObject> {
  const status = refusalStatus(error);
  const metadata = new Metadata();
  if (status.retryAfterSeconds !== undefined) {
    metadata.set('retry-after', String(status.retryAfterSeconds));
    metadata.set('grpc-status-details-bin', retryInfoStatusDetails(status.rpc, error.message, status.retryAfterSeconds));
  }
  return { code: status.rpc, details: error.message, metadata };
}

function createOtlpGrpcReceiver(config: OtlpGrpcReceiverConfig, deps: ReceiverDeps): Receiver {
  const counters = deps.counters ?? createReceiverCounters();
  const consumers = deps.next;
  let server: Server | undefined;
  let boundPort: number | undefined;
  let shutdownPromise: Promise<void> | undefined;

  // Sees every call. grpc-js refuses an oversized message itself, from the innermost call object,
  // below any interceptor's responder; wrapping that object's own sendStatus is the one place
  // where such a refusal can be counted.
  const counting: ServerInterceptor = (_method, call) => {
    counters.requests.total++;
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (status) => {
      if (status.code === GrpcStatus.RESOURCE_EXHAUSTED) counters.requests.tooLarge++;
      sendStatus(status);
    };
    return new ServerInterceptingCall(call);
  };

  const exportHandler =
    (signal: Signal): handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      const body = call.request;
      counters.bytesReceived += body.length;
      const refusal = deps.admit?.();
      if (refusal) {
        counters.requests.throttled++;
        return callback(refusalError(refusal));
      }
      void ingest(signal, body, 'protobuf', consumers, counters).then((outcome) => {
        switch (outcome.kind) {
          case 'ok':
            return callback(null, Buffer.from(encodeExportResponse(signal, outcome, 'protobuf')));
          case 'invalid':
            return callback({ code: GrpcStatus.INVALID_ARGUMENT, details: outcome.message });
          case 'refused':
            return callback(refusalError(outcome.error));
        }
      });
    };

  return {
    type: 'otlp-grpc',
    counters,
    address() {
      return boundPort === undefined ? undefined : { host: config.host, port: boundPort };
    },
    listeners() {
      return boundPort === undefined ? [] : [{ name: 'OTLP/gRPC', host: config.host, port: boundPort, display: formatHostPort(config.host, boundPort) }];
    },
    async start() {
      if (server) return;
      const s = new Server({
        'grpc.max_receive_message_length': config.maxMessageBytes,
        interceptors: [counting],
      });
      if (consumers.traces) s.addService(traceServiceDefinition, { Export: exportHandler('traces') });
      if (consumers.logs) s.addService(logsServiceDefinition, { Export: exportHandler('logs') });
      server = s;
      try {
        boundPort = await new Promise<number>((resolve, reject) =>
          s.bindAsync(formatHostPort(config.host, config.port), ServerCredentials.createInsecure(), (err, port) =>
            err ? reject(err) : resolve(port),
          ),
        );
      } catch (err) {
        server = undefined;
        s.forceShutdown();
        throw new ListenError('otlp-grpc', config.host, config.port, err);
      }
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        const s = server;
        if (!s) return;
        let timer: NodeJS.Timeout | undefined;
        const drained = new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, config.shutdownTimeoutMs)));
        await Promise.race([drained, timeout]);
        clearTimeout(timer);
        s.forceShutdown();
      })();
      return shutdownPromise;
    },
  };
}
