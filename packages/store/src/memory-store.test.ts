import { createMemoryStore } from './memory-store.js';
import { describeStoreConformance } from './testing/index.js';

describeStoreConformance('memory', { create: async () => createMemoryStore() });
