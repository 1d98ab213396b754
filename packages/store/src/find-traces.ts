import type { StoreReader, Trace, TraceQuery } from './contract.js';

/** Search, then the full traces, in the search's order (most recent first). */
export async function findTraces(reader: StoreReader, query: TraceQuery): Promise<Trace[]> {
  const refs = await reader.findTraceIds(query);
  if (refs.length === 0) return [];
  const byId = new Map((await reader.getTraces(refs.map((r) => r.traceId))).map((t) => [t.traceId, t]));
  return refs.flatMap((r) => byId.get(r.traceId) ?? []);
}
