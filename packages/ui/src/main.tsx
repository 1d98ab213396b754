import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { UPLOAD_PREFIX } from './api/trace-protocol.js';
import { traceSource } from './api/trace-source.js';
import { App } from './app.js';
import { traceKeyOf } from './views/trace/trace-key.js';

performance.mark('tracelight:app-start');

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Traces do not change once written; lists are refreshed when asked again after 30 s.
      staleTime: 30_000,
      retry: (count, error) => count < 2 && (error as { retryable?: boolean }).retryable === true,
      refetchOnWindowFocus: false,
    },
  },
});

// Opening a trace link: get the worker going, and a stored trace's skeleton on its way, before
// React renders anything.
if (/^#\/(trace|compare)\//.test(location.hash)) traceSource.warmUp();
const linked = /^#\/trace\/([^?/]+)/.exec(location.hash);
const linkedKey = linked ? traceKeyOf(linked[1], new URLSearchParams(location.hash.split('?')[1] ?? '').get('upload')) : undefined;
if (linkedKey && !linkedKey.startsWith(UPLOAD_PREFIX)) traceSource.prefetch(linkedKey);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
