// Runs the writer worker straight from the TypeScript sources (tests, `@tracelight/source`).
// Built packages start dist/internal/worker.js instead and never load this file.
import './source-hooks.mjs';

await import('./worker.ts');
