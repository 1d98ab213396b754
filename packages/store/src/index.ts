export type {
  GetTracesOptions,
  LogQuery,
  Store,
  StoreCapabilities,
  StoreReader,
  StoreWriter,
  Trace,
} from './contract.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { createMemoryStore } from './memory-store.js';
