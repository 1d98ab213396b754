import type { Attributes, AttributeValue, Span } from '@opentelemetry/api';

/**
 * Sets attributes the kit computed itself (strings, finite numbers, booleans: always valid) on a
 * span without the SDK's per-attribute checks. `Span#setAttribute` in `@opentelemetry/sdk-trace`
 * allocates an options object and a `WeakSet` (its any-value cycle check) for every attribute,
 * which on a request's span was about as much work as encoding the whole span for export. The
 * result is what `setAttributes` would give: the same attributes object, count and limits; the
 * fast path is taken only for an SDK span that is still open, has no value-length limit and room
 * under its count limit, anything else (another SDK's span, a non-recording span, limits in play)
 * goes through `setAttributes`.
 */

interface SdkSpanFields {
  attributes?: Record<string, AttributeValue>;
  _attributesCount?: number;
  _ended?: boolean;
  _spanLimits?: { attributeCountLimit?: number; attributeValueLengthLimit?: number };
}

type Writable = SdkSpanFields & { attributes: Record<string, AttributeValue>; _attributesCount: number };

function writable(span: Span): Writable | undefined {
  const s = span as unknown as SdkSpanFields;
  const limits = s._spanLimits;
  if (
    s._ended !== false ||
    typeof s._attributesCount !== 'number' ||
    typeof s.attributes !== 'object' ||
    s.attributes === null ||
    limits === undefined ||
    (limits.attributeValueLengthLimit !== undefined && limits.attributeValueLengthLimit !== Infinity)
  ) {
    return undefined;
  }
  return s as Writable;
}

function put(span: Span, s: Writable, key: string, value: AttributeValue): void {
  if (!Object.hasOwn(s.attributes, key)) {
    // At the count limit the SDK drops the attribute and counts the drop.
    if (s._attributesCount >= (s._spanLimits?.attributeCountLimit ?? Infinity)) {
      span.setAttribute(key, value);
      return;
    }
    s._attributesCount++;
  }
  s.attributes[key] = value;
}

/** `span.setAttributes(attributes)` for attributes whose values are strings, numbers or booleans. */
export function setKnownAttributes(span: Span, attributes: Attributes): void {
  const s = writable(span);
  if (s === undefined) {
    span.setAttributes(attributes);
    return;
  }
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) put(span, s, key, value);
  }
}

/** `span.setAttribute(key, value)` for a string, number or boolean value. */
export function setKnownAttribute(span: Span, key: string, value: string | number | boolean): void {
  const s = writable(span);
  if (s === undefined) span.setAttribute(key, value);
  else put(span, s, key, value);
}
