import { diag } from '@opentelemetry/api';
import { register as registerSyncHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { register } from 'node:module';

let registered = false;

/**
 * ESM apps need a loader hook so instrumentations can patch `import`ed modules
 * (import-in-the-middle); CommonJS `require` is patched without it. Uses Node's in-thread
 * `module.registerHooks` when this Node supports it, else the off-thread `module.register`.
 * Must run before the application's modules are imported (`node --import ...`).
 */
export function registerLoaderHooks(): void {
  if (registered) return;
  registered = true;
  try {
    if (supportsSyncHooks()) {
      registerSyncHooks({});
    } else {
      register('import-in-the-middle/hook.mjs', import.meta.url);
    }
  } catch (err) {
    diag.warn(`tracelight: ESM loader hook not registered, ESM modules will not be instrumented: ${String(err)}`);
  }
}
