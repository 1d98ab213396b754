import { safeTraceId } from '../../state/router.js';
import { UPLOAD_PREFIX } from '../../api/trace-protocol.js';

/** The worker's key for the trace of a route: the id, or the upload's key when `upload=<n>` is given. */
export function traceKeyOf(traceId: string, upload: string | null): string | undefined {
  const id = safeTraceId(traceId);
  if (!id) return undefined;
  if (upload && /^\d+$/.test(upload)) return `${UPLOAD_PREFIX}${upload}:${id}`;
  return id;
}
