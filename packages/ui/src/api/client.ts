import { createQueryClient } from '@tracelight/query/client';
import { apiBase } from './base.js';

/** The query API client of the page (the trace worker has its own). */
export const api = createQueryClient(apiBase());
