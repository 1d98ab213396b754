export type { HonoTracingOptions } from './http/hono.js';
export { tracelight } from './http/hono.js';
