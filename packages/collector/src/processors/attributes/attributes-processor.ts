import { createHash } from 'node:crypto';
import type { AnyValue, KeyValue, SpanBatch } from '@tracelight/core';
import { anyValueToString } from '@tracelight/core';
import type { ComponentFactory } from '../../component.js';
import { ConfigError } from '../../component.js';
import type { Parser } from '../../internal/schema.js';
import { list, object, oneOf, optional, parseConfig, regex, scalar, str } from '../../internal/schema.js';
import type { Processor, ProcessorDeps } from '../processor.js';
import { createSpanTransformProcessor } from '../processor.js';

export type AttributeActionKind = 'insert' | 'update' | 'upsert' | 'delete' | 'hash';

/** One action, as the Collector's attributes processor writes it. */
export interface AttributeAction {
  /** The attribute to act on (or leave out and give `pattern`, for delete and hash). */
  readonly key: string | undefined;
  /** delete and hash: every attribute whose key matches this regular expression. */
  readonly pattern: RegExp | undefined;
  readonly action: AttributeActionKind;
  /** insert / update / upsert: the value to set (string, number, boolean)... */
  readonly value: string | number | boolean | undefined;
  /** ...or the value of this other attribute of the same span. */
  readonly from_attribute: string | undefined;
}

export interface AttributesConfig {
  readonly actions: readonly AttributeAction[];
}

const actionSchema = object<AttributeAction>({
  key: optional(str({ nonEmpty: true })),
  pattern: optional(regex),
  action: oneOf(['insert', 'update', 'upsert', 'delete', 'hash']),
  value: optional(scalar),
  from_attribute: optional(str({ nonEmpty: true })),
});

const schema: Parser<AttributesConfig> = object<AttributesConfig>({ actions: list(actionSchema, { nonEmpty: true }) });

function validate(config: unknown, path = 'processors.attributes'): AttributesConfig {
  const c = parseConfig(schema, config, path);
  const problems: string[] = [];
  c.actions.forEach((a, i) => {
    const at = `${path}.actions[${i}]`;
    const sets = a.action === 'insert' || a.action === 'update' || a.action === 'upsert';
    if (a.key === undefined && (sets || a.pattern === undefined)) problems.push(`${at}: needs "key"${sets ? '' : ' or "pattern"'}`);
    if (a.pattern !== undefined && sets) problems.push(`${at}: "pattern" works only with delete and hash`);
    if (sets && (a.value === undefined) === (a.from_attribute === undefined)) problems.push(`${at}: ${a.action} needs exactly one of "value" and "from_attribute"`);
    if (!sets && (a.value !== undefined || a.from_attribute !== undefined)) problems.push(`${at}: ${a.action} takes no "value" or "from_attribute"`);
  });
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return c;
}

/** Config numbers become doubles, except whole numbers, which become int64 (as YAML means them). */
function configValue(v: string | number | boolean): AnyValue {
  return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
}

/** SHA-256 of the value's text form, in hex (what the Collector's hash action does). */
export function hashValue(value: AnyValue): string {
  return createHash('sha256').update(anyValueToString(value)).digest('hex');
}

function applyActions(attrs: readonly KeyValue[], actions: readonly AttributeAction[]): readonly KeyValue[] {
  let out: KeyValue[] | undefined;
  const edit = () => (out ??= [...attrs]);
  for (const a of actions) {
    const cur = out ?? attrs;
    const matches = (k: string) => (a.key !== undefined ? k === a.key : a.pattern!.test(k));
    switch (a.action) {
      case 'delete':
        if (cur.some((kv) => matches(kv.key))) out = cur.filter((kv) => !matches(kv.key));
        break;
      case 'hash':
        if (cur.some((kv) => matches(kv.key))) out = cur.map((kv) => (matches(kv.key) ? { key: kv.key, value: hashValue(kv.value) } : kv));
        break;
      default: {
        const value = a.value !== undefined ? configValue(a.value) : cur.find((kv) => kv.key === a.from_attribute)?.value;
        if (value === undefined) break; // from_attribute not on this span
        const i = cur.findIndex((kv) => kv.key === a.key);
        if (i >= 0 && a.action !== 'insert') edit()[i] = { key: a.key!, value };
        else if (i < 0 && a.action !== 'update') edit().push({ key: a.key!, value });
      }
    }
  }
  return out ?? attrs;
}

/** Edits span attributes: insert (if absent), update (if present), upsert, delete, hash — in the order given. */
export const attributesProcessorFactory: ComponentFactory<AttributesConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'attributes',
  signals: ['traces'],
  defaultConfig: () => ({ actions: [] }),
  validateConfig: validate,
  create(config, deps) {
    return createSpanTransformProcessor(deps, (batch: SpanBatch) => {
      let changed = false;
      const attributes = batch.attributes.map((attrs) => {
        const next = applyActions(attrs, config.actions);
        if (next !== attrs) changed = true;
        return next;
      });
      return { batch: changed ? { ...batch, attributes } : batch };
    });
  },
};
