import type { AnyValue, Attributes, Span } from '@tracelight/core';
import { anyValueToString, serviceNameOf } from '@tracelight/core';
import type { AttributeScope } from '@tracelight/store';
import { kindName } from '../span-kind.js';
import type { CompareOp, Condition, Expr, Literal } from './expr.js';
import { literalText } from './expr.js';

const STATUS_NAMES = ['unset', 'ok', 'error'];

/** Whether one span satisfies the expression (undefined = every span). */
export function spanMatches(expr: Expr | undefined, span: Span): boolean {
  if (expr === undefined) return true;
  switch (expr.op) {
    case 'and':
      return expr.args.every((e) => spanMatches(e, span));
    case 'or':
      return expr.args.some((e) => spanMatches(e, span));
    case 'not':
      return !spanMatches(expr.arg, span);
    default:
      return conditionHolds(expr, span);
  }
}

function* valuesIn(span: Span, scope: AttributeScope, key: string): Generator<AnyValue> {
  const from = function* (attributes: Attributes) {
    for (const kv of attributes) if (kv.key === key) yield kv.value;
  };
  if (scope === 'span' || scope === 'any') yield* from(span.attributes);
  if (scope === 'resource' || scope === 'any') yield* from(span.resource.attributes);
  if (scope === 'event' || scope === 'any') for (const event of span.events) yield* from(event.attributes);
}

function ordered(cmp: CompareOp, c: number): boolean {
  switch (cmp) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
  }
}

/** Sign of (attribute value - literal) for numeric values; undefined when the value is not a number. */
function compareNumber(value: AnyValue, literal: Literal & { type: 'number' }): number | undefined {
  if (typeof value === 'bigint') {
    if (literal.int !== undefined) return value < literal.int ? -1 : value > literal.int ? 1 : 0;
    const v = Number(value);
    return v < literal.value ? -1 : v > literal.value ? 1 : 0;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return undefined;
    return value < literal.value ? -1 : value > literal.value ? 1 : 0;
  }
  return undefined;
}

function conditionHolds(cond: Condition, span: Span): boolean {
  if (cond.op === 'has') {
    for (const _ of valuesIn(span, cond.field.scope, cond.field.key)) return true;
    return false;
  }
  const { field, cmp, value } = cond;
  if (field.type === 'intrinsic') {
    if (field.name === 'duration') {
      const d = span.endTimeUnixNano - span.startTimeUnixNano;
      const n = (value as Literal & { type: 'duration' }).nanos;
      return ordered(cmp, d < n ? -1 : d > n ? 1 : 0);
    }
    const text = literalText(value);
    let actual: string;
    switch (field.name) {
      case 'service':
        actual = serviceNameOf(span.resource);
        break;
      case 'name':
        actual = span.name;
        break;
      case 'kind':
        actual = span.kind === 0 ? 'unspecified' : kindName(span.kind);
        break;
      case 'status':
        actual = STATUS_NAMES[span.status.code] ?? 'unset';
        break;
      case 'statusMessage':
        actual = span.status.message;
        break;
      case 'scope':
        actual = span.scope.name;
        break;
    }
    return cmp === '=' ? actual === text : actual !== text;
  }
  if (cmp === '=' || cmp === '!=') {
    // '=' : some value's text equals; '!=' : the attribute is present and no value's text equals.
    const text = literalText(value);
    let present = false;
    for (const v of valuesIn(span, field.scope, field.key)) {
      if (anyValueToString(v) === text) return cmp === '=';
      present = true;
    }
    return cmp === '!=' && present;
  }
  for (const v of valuesIn(span, field.scope, field.key)) {
    const c = compareNumber(v, value as Literal & { type: 'number' });
    if (c !== undefined && ordered(cmp, c)) return true;
  }
  return false;
}
