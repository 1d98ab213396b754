import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';

/**
 * The stores `tracelight start --store <kind>` can run. The seam where the storage issue adds
 * `duckdb` (and makes it the default) and `clickhouse`.
 */
const STORES: Readonly<Record<string, { readonly describe: string; readonly create: () => Store }>> = {
  memory: { describe: 'in-memory (data is lost when the process exits)', create: () => createMemoryStore() },
};

export const DEFAULT_STORE = 'memory';

export function storeKinds(): string[] {
  return Object.keys(STORES);
}

/** undefined for an unknown kind. */
export function createStoreOf(kind: string): { store: Store; describe: string } | undefined {
  const entry = Object.hasOwn(STORES, kind) ? STORES[kind] : undefined;
  return entry && { store: entry.create(), describe: entry.describe };
}
