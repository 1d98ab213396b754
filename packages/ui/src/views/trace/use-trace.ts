import { useQuery } from '@tanstack/react-query';
import { traceSource } from '../../api/trace-source.js';

/** A trace's model through the worker; cached for the session (traces do not change once stored). */
export function useTraceModel(key: string | undefined) {
  return useQuery({
    queryKey: ['trace', key],
    queryFn: async () => {
      const started = performance.now();
      performance.mark('tracelight:trace-requested');
      const loaded = await traceSource.load(key!);
      performance.mark('tracelight:trace-received');
      return { ...loaded, receivedMs: performance.now() - started };
    },
    enabled: key !== undefined,
    staleTime: Infinity,
    gcTime: 5 * 60_000,
    retry: false,
  });
}
