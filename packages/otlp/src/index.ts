export { decodeLogsRequest, decodeTraceRequest } from './decode.js';
export { encodeExportResponse, encodeLogsRequest, encodeStatus, encodeTraceRequest } from './encode.js';
export type { DecodeResult, OtlpFormat } from './format.js';
export type { RawGrpcMethodDefinition, RawGrpcServiceDefinition } from './grpc-service.js';
export { logsServiceDefinition, traceServiceDefinition } from './grpc-service.js';
export { anyValueJson as anyValueToOtlpJson, logBatchToOtlpJson, traceBatchToOtlpJson } from './internal/json-encode.js';
export { OtlpDecodeError } from './otlp-decode-error.js';
