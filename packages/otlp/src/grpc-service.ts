/**
 * gRPC method definitions for the OTLP collector services, shaped like grpc-js's
 * `ServiceDefinition` but without importing grpc-js. Messages pass through as raw bytes: the
 * server decodes requests with `decode{Trace,Logs}Request(buf, 'protobuf')` and answers with
 * `encodeExportResponse(...)`, so no protobuf library sits in between.
 */
export interface RawGrpcMethodDefinition {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  readonly requestSerialize: (value: Uint8Array) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => Buffer;
  readonly responseSerialize: (value: Uint8Array) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Buffer;
  readonly originalName: string;
}

// A type alias, not an interface: an object type alias is assignable to grpc-js's
// `ServiceDefinition` (an index-signature type) without a cast.
export type RawGrpcServiceDefinition = {
  readonly Export: RawGrpcMethodDefinition;
};

function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function passthrough(bytes: Buffer): Buffer {
  return bytes;
}

function exportMethod(service: string): RawGrpcServiceDefinition {
  return Object.freeze({
    Export: Object.freeze({
      path: `/${service}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: toBuffer,
      requestDeserialize: passthrough,
      responseSerialize: toBuffer,
      responseDeserialize: passthrough,
      originalName: 'export',
    }),
  });
}

/** opentelemetry.proto.collector.trace.v1.TraceService */
export const traceServiceDefinition: RawGrpcServiceDefinition = exportMethod('opentelemetry.proto.collector.trace.v1.TraceService');

/** opentelemetry.proto.collector.logs.v1.LogsService */
export const logsServiceDefinition: RawGrpcServiceDefinition = exportMethod('opentelemetry.proto.collector.logs.v1.LogsService');
