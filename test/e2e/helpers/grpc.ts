import type { Client, ServiceError } from '@grpc/grpc-js';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { logsServiceDefinition, traceServiceDefinition } from '@tracelight/otlp';

export type GrpcOutcome = { readonly ok: true; readonly response: Uint8Array } | { readonly ok: false; readonly code: number; readonly details: string };

const clients: Client[] = [];

/**
 * Sends raw protobuf bytes to TraceService/Export or LogsService/Export with grpc-js.
 * `gzip` makes grpc-js compress the message (grpc-encoding: gzip), as the OTel exporter does.
 */
export function grpcExport(port: number, signal: 'traces' | 'logs', body: Uint8Array, options: { gzip?: boolean } = {}): Promise<GrpcOutcome> {
  const definition = signal === 'traces' ? traceServiceDefinition : logsServiceDefinition;
  const Ctor = makeGenericClientConstructor(definition, signal);
  const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure(), {
    'grpc.default_compression_algorithm': options.gzip ? 2 : 0,
    'grpc.max_send_message_length': -1,
  });
  clients.push(client);
  return new Promise((resolve) => {
    (client as unknown as Record<string, (req: Buffer, md: Metadata, cb: (err: ServiceError | null, res?: Buffer) => void) => void>).Export(
      Buffer.from(body),
      new Metadata(),
      (err, res) => {
        client.close();
        resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, response: new Uint8Array(res!) });
      },
    );
  });
}

export function closeGrpcClients(): void {
  for (const c of clients.splice(0)) c.close();
}
