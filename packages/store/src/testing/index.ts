export type { StoreConformanceOptions } from './conformance.js';
export { describeStoreConformance } from './conformance.js';
