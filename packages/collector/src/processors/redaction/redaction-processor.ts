import type { AnyValue, KeyValue, SpanBatch, SpanEvent } from '@tracelight/core';
import { isKvList } from '@tracelight/core';
import type { ComponentFactory } from '../../component.js';
import { bool, list, object, oneOf, parseConfig, regex, str } from '../../internal/schema.js';
import type { Processor, ProcessorDeps } from '../processor.js';
import { createSpanTransformProcessor } from '../processor.js';

export interface RedactionConfig {
  /** Keep every attribute key (only values are checked). Default false: keys must be allowed. */
  readonly allow_all_keys: boolean;
  /** Attribute keys kept on spans and span events; others are removed. */
  readonly allowed_keys: readonly string[];
  /** Keys kept untouched: neither removed nor checked for blocked values. */
  readonly ignored_keys: readonly string[];
  /**
   * Regular expressions for values that must not be stored (card numbers, emails, ...): every
   * match in a string value, in span, event and resource attributes, is replaced by `****`.
   */
  readonly blocked_values: readonly RegExp[];
  /** Keys whose whole value is masked, whatever it is (e.g. `.*password.*`). */
  readonly blocked_key_patterns: readonly RegExp[];
  /**
   * `info` adds `redaction.redacted.count` / `redaction.masked.count` (and the keys) to spans
   * that were changed; `silent` adds nothing. Default info.
   */
  readonly summary: 'silent' | 'info';
}

const schema = object<RedactionConfig>(
  {
    allow_all_keys: bool,
    allowed_keys: list(str({ nonEmpty: true })),
    ignored_keys: list(str({ nonEmpty: true })),
    blocked_values: list(regex),
    blocked_key_patterns: list(regex),
    summary: oneOf(['silent', 'info']),
  },
  { allow_all_keys: false, allowed_keys: [], ignored_keys: [], blocked_values: [], blocked_key_patterns: [], summary: 'info' },
);

export const MASK = '****';

interface Tally {
  redacted: string[];
  masked: string[];
}

/**
 * Removes attributes whose keys are not allowed and masks blocked values, so personal data never
 * reaches the store (the Collector's redaction processor). Resource attributes are checked for
 * blocked values but never removed (`service.name` and friends must survive).
 */
export const redactionProcessorFactory: ComponentFactory<RedactionConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'redaction',
  signals: ['traces'],
  defaultConfig: () => parseConfig(schema, {}, 'processors.redaction'),
  validateConfig: (config, path = 'processors.redaction') => parseConfig(schema, config, path),
  create(config, deps) {
    const allowed = new Set([...config.allowed_keys, ...config.ignored_keys]);
    const ignored = new Set(config.ignored_keys);
    const global = config.blocked_values.map((r) => new RegExp(r.source, r.flags.includes('g') ? r.flags : r.flags + 'g'));

    const maskString = (s: string): string => {
      let out = s;
      for (const r of global) out = out.replace(r, MASK);
      return out;
    };
    const maskValue = (v: AnyValue): AnyValue => {
      if (typeof v === 'string') return maskString(v);
      if (Array.isArray(v)) {
        const m = v.map(maskValue);
        return m.some((x, i) => x !== v[i]) ? m : v;
      }
      if (v !== null && isKvList(v)) {
        const m = v.kvlist.map((kv) => ({ key: kv.key, value: maskValue(kv.value) }));
        return m.some((x, i) => x.value !== v.kvlist[i].value) ? { kvlist: m } : v;
      }
      return v;
    };

    const clean = (attrs: readonly KeyValue[], tally: Tally | undefined, removeKeys: boolean): readonly KeyValue[] => {
      let out: KeyValue[] | undefined;
      attrs.forEach((kv, i) => {
        let next: KeyValue | undefined = kv;
        if (ignored.has(kv.key)) next = kv;
        else if (removeKeys && !config.allow_all_keys && !allowed.has(kv.key)) {
          next = undefined;
          tally?.redacted.push(kv.key);
        } else if (config.blocked_key_patterns.some((r) => r.test(kv.key))) {
          next = { key: kv.key, value: MASK };
          tally?.masked.push(kv.key);
        } else {
          const v = maskValue(kv.value);
          if (v !== kv.value) {
            next = { key: kv.key, value: v };
            tally?.masked.push(kv.key);
          }
        }
        if (next !== kv && !out) out = attrs.slice(0, i) as KeyValue[];
        if (out && next) out.push(next);
      });
      return out ?? attrs;
    };

    const resourceCache = new WeakMap<object, unknown>();
    return createSpanTransformProcessor(deps, (batch: SpanBatch) => {
      let changed = false;
      let eventsOut: (readonly SpanEvent[])[] | undefined;
      const attributes = batch.attributes.map((attrs, i) => {
        const tally: Tally = { redacted: [], masked: [] };
        let next = clean(attrs, tally, true);
        const events = batch.events[i];
        if (events.length > 0) {
          const cleaned = events.map((e): SpanEvent => {
            const a = clean(e.attributes, tally, true);
            return a === e.attributes ? e : { ...e, attributes: a };
          });
          if (cleaned.some((e, k) => e !== events[k])) {
            (eventsOut ??= [...batch.events])[i] = cleaned;
          }
        }
        if (config.summary === 'info' && (tally.redacted.length > 0 || tally.masked.length > 0)) {
          const summary: KeyValue[] = [...next];
          if (tally.redacted.length > 0) {
            summary.push({ key: 'redaction.redacted.keys', value: [...new Set(tally.redacted)].sort().join(',') });
            summary.push({ key: 'redaction.redacted.count', value: BigInt(tally.redacted.length) });
          }
          if (tally.masked.length > 0) {
            summary.push({ key: 'redaction.masked.keys', value: [...new Set(tally.masked)].sort().join(',') });
            summary.push({ key: 'redaction.masked.count', value: BigInt(tally.masked.length) });
          }
          next = summary;
        }
        if (next !== attrs) changed = true;
        return next;
      });
      const resources = batch.resources.map((r) => {
        let cached = resourceCache.get(r) as typeof r | undefined;
        if (!cached) {
          const a = clean(r.attributes, undefined, false);
          cached = a === r.attributes ? r : { ...r, attributes: a };
          resourceCache.set(r, cached);
        }
        return cached;
      });
      const resourcesChanged = resources.some((r, i) => r !== batch.resources[i]);
      if (!changed && !eventsOut && !resourcesChanged) return { batch };
      return { batch: { ...batch, attributes, events: eventsOut ?? batch.events, resources } };
    });
  },
};
