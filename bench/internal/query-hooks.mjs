// Lets bench/query.ts's server import the shared TypeScript fixtures (test/fixtures, run by
// Node's type stripping) while packages resolve to their built dist: a relative `./x.js` that
// does not exist falls back to `./x.ts`. Use with `node --import`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
