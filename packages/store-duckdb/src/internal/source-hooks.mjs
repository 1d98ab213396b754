// Lets plain Node run Tracelight's TypeScript sources (the worker when the store itself runs
// from source, and the benchmarks): package imports resolve through the `@tracelight/source`
// condition and a relative `./x.js` falls back to `./x.ts`. Use with `node --import`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const conditions = context.conditions.includes('@tracelight/source') ? context.conditions : ['@tracelight/source', ...context.conditions];
    try {
      return nextResolve(specifier, { ...context, conditions });
    } catch (error) {
      if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, { ...context, conditions });
      }
      throw error;
    }
  },
});
