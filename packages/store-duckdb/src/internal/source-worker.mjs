// Runs the writer worker straight from the TypeScript sources (tests, `@tracelight/source`):
// resolve package imports through the source condition and `./x.js` to `./x.ts`, then load the
// worker. Built packages start dist/internal/worker.js instead and never load this file.
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

await import('./worker.ts');
