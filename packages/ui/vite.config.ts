import { defineConfig } from 'vite';

// The UI is served by the query process from packages/ui/dist, on any path (relative asset
// URLs), with hash routes so deep links need no server support. Workspace packages are bundled
// from their TypeScript sources (the `@tracelight/source` export condition), so no build of
// theirs is needed first.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  resolve: { conditions: ['@tracelight/source', 'browser', 'module', 'import', 'default'] },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // React Query marks modules "use client" (for server components): meaningless in a bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
