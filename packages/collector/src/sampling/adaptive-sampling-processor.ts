import type { ComponentFactory } from '../component.js';
import { ConfigError } from '../component.js';
import { consume } from '../consumer.js';
import { object, parseConfig } from '../internal/schema.js';
import type { Processor, ProcessorDeps } from '../processors/processor.js';
import { samplingExtensionsOf } from './internal/hub.js';
import type { RemoteSampling } from './remote-sampling-extension.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the processor has no settings
export interface AdaptiveSamplingProcessorConfig {}

const schema = object<AdaptiveSamplingProcessorConfig>({});

/**
 * Feeds the traffic of a traces pipeline to the collector's `remote_sampling` extension in
 * adaptive mode (as Jaeger v2's `adaptive_sampling` processor does): the root spans of the traces
 * the SDKs sampled, per service and operation. Spans pass on unchanged. Without such an extension
 * the collector does not start.
 */
export const adaptiveSamplingProcessorFactory: ComponentFactory<AdaptiveSamplingProcessorConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'adaptive_sampling',
  signals: ['traces'],
  defaultConfig: () => ({}),
  validateConfig: (config, path = 'processors.adaptive_sampling') => parseConfig(schema, config, path),
  create(_config, deps) {
    let target: RemoteSampling | undefined;
    return {
      async start() {
        // Extensions start before processors, so the extension is registered by now.
        target = samplingExtensionsOf<RemoteSampling>(deps.telemetry).find((e) => e.mode === 'adaptive');
        if (!target) throw new ConfigError(`processors.${deps.id}: needs a remote_sampling extension with adaptive settings in service.extensions`);
      },
      async shutdown() {},
      async consumeTraces(batch) {
        target?.observe(batch);
        return consume(deps.next, 'traces', batch);
      },
    };
  },
};
