import { getAttribute } from './attributes.js';
import type { Resource } from './model.js';

/** The attribute that names a service (OpenTelemetry semantic conventions). */
export const SERVICE_NAME = 'service.name';

/** The resource's `service.name`, or 'unknown_service' as the OTel SDKs default it. */
export function serviceNameOf(resource: Resource): string {
  const value = getAttribute(resource.attributes, SERVICE_NAME);
  return typeof value === 'string' && value !== '' ? value : 'unknown_service';
}
