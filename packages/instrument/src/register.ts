/**
 * `node --import @tracelight/instrument/register app.js` (or `import` it first thing): registers
 * the ESM loader hook and starts tracing from the `OTEL_*` environment variables.
 */
import { registerLoaderHooks } from './internal/loader-hooks.js';
import { startTracing } from './start-tracing.js';

registerLoaderHooks();
startTracing();
