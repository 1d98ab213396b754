import type { AttributeScope } from '@tracelight/store';
import { parseGoDuration } from '../go-duration.js';
import { badRequest } from '../http.js';

/**
 * Tracelight's span query language (see docs/api.md). A query is a condition on one span; a
 * trace matches when at least one of its spans satisfies it.
 *
 *   expr    := or
 *   or      := and (('OR' | '||') and)*
 *   and     := unary (('AND' | '&&')? unary)*
 *   unary   := ('NOT' | '!') unary | '(' expr ')' | 'has' '(' attr ')' | field op value
 *   field   := service | name | kind | status | statusMessage | scope | duration | attr
 *   attr    := ('span' | 'resource' | 'event' | 'attr') '.' key     (key: dotted word or "quoted")
 *   op      := '=' | '!=' | '<' | '<=' | '>' | '>='
 *   value   := "string" | word (number, duration such as 1.5s, true/false, or a bare word)
 */
export type IntrinsicName = 'service' | 'name' | 'kind' | 'status' | 'statusMessage' | 'scope' | 'duration';

export type Field = { readonly type: 'intrinsic'; readonly name: IntrinsicName } | { readonly type: 'attr'; readonly scope: AttributeScope; readonly key: string };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number; /** Canonical text: 500.0 → "500", 1e3 → "1000". */ readonly text: string; readonly int?: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'duration'; readonly nanos: bigint };

export type Condition =
  | { readonly op: 'compare'; readonly field: Field; readonly cmp: CompareOp; readonly value: Literal }
  | { readonly op: 'has'; readonly field: Field & { type: 'attr' } };

export type Expr = { readonly op: 'and' | 'or'; readonly args: readonly Expr[] } | { readonly op: 'not'; readonly arg: Expr } | Condition;

const MAX_QUERY_LENGTH = 8192;
const MAX_DEPTH = 32;
const MAX_CONDITIONS = 128;

type Token =
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const WORD = /[A-Za-z0-9_.\-+:/@*#$%^~µμ]/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const start = i++;
      let raw = '"';
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') raw += text[i++];
        if (i < text.length) raw += text[i++];
      }
      if (i >= text.length) throw syntax('unterminated string', start);
      raw += text[i++];
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw syntax('bad escape in string', start);
      }
      out.push({ t: 'string', v: value as string, at: start });
    } else if ('()'.includes(c)) {
      out.push({ t: 'op', v: c, at: i++ });
    } else if (['<=', '>=', '!=', '&&', '||', '=='].includes(text.slice(i, i + 2))) {
      const v = text.slice(i, i + 2);
      out.push({ t: 'op', v: v === '==' ? '=' : v, at: i });
      i += 2;
    } else if ('=<>!'.includes(c)) {
      out.push({ t: 'op', v: c, at: i++ });
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i])) i++;
      out.push({ t: 'word', v: text.slice(start, i), at: start });
    } else {
      throw syntax(`unexpected character ${JSON.stringify(c)}`, i);
    }
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

function syntax(message: string, at: number): Error {
  return badRequest(`query syntax error at ${at + 1}: ${message}`);
}

const INTRINSICS: ReadonlySet<string> = new Set<IntrinsicName>(['service', 'name', 'kind', 'status', 'statusMessage', 'scope', 'duration']);
const SCOPES: Readonly<Record<string, AttributeScope>> = { span: 'span', resource: 'resource', event: 'event', attr: 'any' };

/** Parses a query; an empty (or blank) query is undefined, meaning "every span". Throws a 400 error on bad syntax. */
export function parseQuery(text: string): Expr | undefined {
  if (text.length > MAX_QUERY_LENGTH) throw badRequest(`the query is longer than ${MAX_QUERY_LENGTH} characters`);
  const tokens = tokenize(text);
  if (tokens.length === 1) return undefined;
  let pos = 0;
  let conditions = 0;
  const peek = () => tokens[pos];
  const isKeyword = (tok: Token, kw: string) => tok.t === 'word' && tok.v.toUpperCase() === kw;
  const isOp = (tok: Token, op: string) => tok.t === 'op' && tok.v === op;
  const expect = (op: string) => {
    const tok = peek();
    if (!isOp(tok, op)) throw syntax(`expected '${op}'`, tok.at);
    pos++;
  };

  const parseOr = (depth: number): Expr => {
    if (depth > MAX_DEPTH) throw syntax(`nested deeper than ${MAX_DEPTH}`, peek().at);
    const args = [parseAnd(depth)];
    while (isKeyword(peek(), 'OR') || isOp(peek(), '||')) {
      pos++;
      args.push(parseAnd(depth));
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  const startsUnary = (tok: Token) => (tok.t === 'word' && !isKeyword(tok, 'OR') && !isKeyword(tok, 'AND')) || isOp(tok, '(') || isOp(tok, '!');
  const parseAnd = (depth: number): Expr => {
    const args = [parseUnary(depth)];
    for (;;) {
      if (isKeyword(peek(), 'AND') || isOp(peek(), '&&')) {
        pos++;
        args.push(parseUnary(depth));
      } else if (startsUnary(peek())) {
        args.push(parseUnary(depth));
      } else {
        break;
      }
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const parseUnary = (depth: number): Expr => {
    const tok = peek();
    if (depth > MAX_DEPTH) throw syntax(`nested deeper than ${MAX_DEPTH}`, tok.at);
    if (isKeyword(tok, 'NOT') || isOp(tok, '!')) {
      pos++;
      return { op: 'not', arg: parseUnary(depth + 1) };
    }
    if (isOp(tok, '(')) {
      pos++;
      const inner = parseOr(depth + 1);
      expect(')');
      return inner;
    }
    if (++conditions > MAX_CONDITIONS) throw syntax(`more than ${MAX_CONDITIONS} conditions`, tok.at);
    if (tok.t === 'word' && tok.v.toLowerCase() === 'has' && isOp(tokens[pos + 1], '(')) {
      pos += 2;
      const field = parseField();
      if (field.type !== 'attr') throw syntax('has() takes an attribute, e.g. has(span.http.route)', tok.at);
      expect(')');
      return { op: 'has', field };
    }
    const field = parseField();
    const opTok = peek();
    if (opTok.t !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(opTok.v)) throw syntax('expected a comparison (=, !=, <, <=, >, >=)', opTok.at);
    pos++;
    const cmp = opTok.v as CompareOp;
    const valueTok = peek();
    if (valueTok.t !== 'word' && valueTok.t !== 'string') throw syntax('expected a value', valueTok.at);
    pos++;
    return checkCondition(field, cmp, valueTok);
  };
  const parseField = (): Field => {
    const tok = peek();
    if (tok.t !== 'word') throw syntax('expected a field (service, name, kind, status, duration, span.<key>, …)', tok.at);
    pos++;
    if (INTRINSICS.has(tok.v)) return { type: 'intrinsic', name: tok.v as IntrinsicName };
    const dot = tok.v.indexOf('.');
    const scope = dot > 0 ? SCOPES[tok.v.slice(0, dot)] : undefined;
    if (scope === undefined) throw syntax(`unknown field '${tok.v}' (attributes are span.<key>, resource.<key>, event.<key> or attr.<key>)`, tok.at);
    let key = tok.v.slice(dot + 1);
    if (key === '') {
      // span."key with spaces"
      const quoted = peek();
      if (quoted.t !== 'string' || quoted.at !== tok.at + tok.v.length) throw syntax('expected an attribute key after the dot', tok.at);
      pos++;
      key = quoted.v;
    }
    if (key === '') throw syntax('empty attribute key', tok.at);
    return { type: 'attr', scope, key };
  };
  const expr = parseOr(0);
  if (peek().t !== 'end') throw syntax(`unexpected '${(peek() as { v: string }).v}'`, peek().at);
  return expr;
}

const KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
const STATUSES = new Set(['unset', 'ok', 'error']);

function numberLiteral(text: string): Literal | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  if (/^[+-]?\d+$/.test(text)) {
    const int = BigInt(text);
    return { type: 'number', value, text: int.toString(), int };
  }
  // An integral value written as a decimal (500.0, 1e3) reads like the integer.
  if (Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) return { type: 'number', value, text: String(value), int: BigInt(value) };
  return { type: 'number', value, text: String(value) };
}

function checkCondition(field: Field, cmp: CompareOp, tok: Token & { v: string }): Condition {
  const raw = tok.v;
  const ordered = cmp !== '=' && cmp !== '!=';
  const fail = (message: string) => syntax(message, tok.at);
  if (field.type === 'intrinsic') {
    switch (field.name) {
      case 'duration': {
        const nanos = parseGoDuration(raw);
        if (nanos === undefined || nanos < 0n) throw fail(`duration takes a duration such as 100ms or 1.5s, got ${JSON.stringify(raw)}`);
        return { op: 'compare', field, cmp, value: { type: 'duration', nanos } };
      }
      case 'kind':
        if (ordered) throw fail('kind can only be compared with = or !=');
        if (!KINDS.has(raw.toLowerCase())) throw fail(`kind is one of ${[...KINDS].join(', ')}`);
        return { op: 'compare', field, cmp, value: { type: 'string', value: raw.toLowerCase() } };
      case 'status':
        if (ordered) throw fail('status can only be compared with = or !=');
        if (!STATUSES.has(raw.toLowerCase())) throw fail(`status is one of ${[...STATUSES].join(', ')}`);
        return { op: 'compare', field, cmp, value: { type: 'string', value: raw.toLowerCase() } };
      default:
        if (ordered) throw fail(`${field.name} can only be compared with = or !=`);
        return { op: 'compare', field, cmp, value: { type: 'string', value: raw } };
    }
  }
  if (tok.t === 'string') {
    if (ordered) throw fail('<, <=, > and >= compare numbers; the value is a string');
    return { op: 'compare', field, cmp, value: { type: 'string', value: raw } };
  }
  const number = numberLiteral(raw);
  if (number) return { op: 'compare', field, cmp, value: number };
  if (ordered) throw fail(`<, <=, > and >= compare numbers; ${JSON.stringify(raw)} is not a number`);
  if (raw === 'true' || raw === 'false') return { op: 'compare', field, cmp, value: { type: 'bool', value: raw === 'true' } };
  return { op: 'compare', field, cmp, value: { type: 'string', value: raw } };
}

/** The text a literal is compared with under `=` / `!=` (attribute values compare by their text form). */
export function literalText(value: Literal): string {
  switch (value.type) {
    case 'string':
      return value.value;
    case 'number':
      return value.text;
    case 'bool':
      return String(value.value);
    case 'duration':
      return value.nanos.toString();
  }
}
