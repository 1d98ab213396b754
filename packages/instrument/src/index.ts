export type { Env, EnvConfig, OtlpProtocol } from './config.js';
export { DEFAULTS, readEnv } from './config.js';
export type { StartTracingOptions, Tracing } from './start-tracing.js';
export { startTracing } from './start-tracing.js';
export type { InstrumentationName } from './instrumentations.js';
export { INSTRUMENTATION_NAMES } from './instrumentations.js';
export { enableFastifyRoutes } from './http/fastify.js';
export { TRACERESPONSE_HEADER } from './http/server-hooks.js';
export { registerLoaderHooks } from './internal/loader-hooks.js';
export { enableConsoleLogCorrelation, traceLogSuffix } from './logs/console.js';
export type { ConsumerSpanOptions, ProducerSpanOptions } from './messaging/common.js';
export { extractMessageContext, withConsumerSpan, withProducerSpan } from './messaging/common.js';
export type { KafkaHeaderValue, KafkaMessageLike } from './messaging/kafka.js';
export { extractKafkaContext, injectKafkaHeaders, kafkaHeadersGetter, kafkaHeadersSetter } from './messaging/kafka.js';
export type { NatsHeaders, NatsMessageLike } from './messaging/nats.js';
export { NatsInstrumentation, natsHeadersGetter, natsHeadersSetter, processNatsMessage, processNatsMessages } from './messaging/nats.js';
export type { RedisPublisher, RedisStreamClient, RedisStreamEntry } from './messaging/redis.js';
export {
  addRedisStreamEntry,
  processRedisMessage,
  processRedisStreamEntries,
  publishRedisMessage,
  redisStreamFields,
  unwrapRedisMessage,
} from './messaging/redis.js';
export { keepRandomTraceFlag } from './propagation/random-flag.js';
export { createTraceContextPropagator, TRACEPARENT_HEADER, TRACESTATE_HEADER } from './propagation/trace-context-propagator.js';
export type { Traceparent } from './propagation/traceparent.js';
export { formatTraceparent, parseTraceparent, TRACE_FLAG_RANDOM, TRACE_FLAG_SAMPLED } from './propagation/traceparent.js';
export { isValidTracestateKey, isValidTracestateValue, parseTracestate, W3CTraceState } from './propagation/tracestate.js';
export type { JaegerRemoteSampler, JaegerRemoteSamplerOptions } from './sampling/jaeger-remote-sampler.js';
export { createJaegerRemoteSampler, samplerFromStrategy } from './sampling/jaeger-remote-sampler.js';
export type { ParentBasedSamplerOptions } from './sampling/samplers.js';
export {
  createAlwaysOffSampler,
  createAlwaysOnSampler,
  createParentBasedSampler,
  createRateLimitingSampler,
  createRatioSampler,
} from './sampling/samplers.js';
export { decodeThreshold, encodeThreshold, probabilityToThreshold, thresholdToProbability } from './sampling/threshold.js';
