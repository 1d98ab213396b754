import { defineConfig } from 'vitest/config';

// Tests run against package sources (the `@tracelight/source` export condition), so no build is
// needed between an edit and a test run.
export default defineConfig({
  resolve: { conditions: ['@tracelight/source'] },
  ssr: { resolve: { conditions: ['@tracelight/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
