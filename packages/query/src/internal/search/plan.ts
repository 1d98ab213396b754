import type { AttributeFilter, TraceQuery } from '@tracelight/store';
import { badRequest } from '../http.js';
import { parseKind } from '../span-kind.js';
import type { Condition, Expr } from './expr.js';
import { literalText } from './expr.js';

/** The part of a TraceQuery a plan fills in (time range and limit come from the request). */
export type PushedQuery = Pick<TraceQuery, 'serviceName' | 'operationName' | 'spanKind' | 'attributes' | 'durationMinNano' | 'durationMaxNano' | 'errorOnly'>;

export interface PlannedBranch {
  /** What the store can check itself: a necessary condition for a span to satisfy this branch. */
  readonly query: PushedQuery;
  /** True when the store's answer for `query` is exactly this branch's matches (nothing left to check here). */
  readonly exact: boolean;
}

/**
 * How to run a span query against a store that only understands ANDed exact matches: the query
 * in disjunctive normal form, each AND-branch split into what the store checks (service,
 * operation, kind, error status, duration range, attribute equality) and a residue the query
 * layer checks on the fetched spans (negations, numeric comparisons, presence, …). The union of
 * the branches' store answers is a superset of the matches; it is exact when every branch is.
 */
export interface SearchPlan {
  readonly expr: Expr | undefined;
  readonly branches: readonly PlannedBranch[];
  readonly exact: boolean;
}

const MAX_BRANCHES = 32;

interface Lit {
  readonly neg: boolean;
  readonly cond: Condition;
}

function toDnf(expr: Expr, negated: boolean): Lit[][] {
  switch (expr.op) {
    case 'not':
      return toDnf(expr.arg, !negated);
    case 'and':
    case 'or': {
      // De Morgan: under a negation, AND becomes OR and OR becomes AND.
      const isOr = (expr.op === 'or') !== negated;
      const parts = expr.args.map((a) => toDnf(a, negated));
      if (isOr) {
        const all = parts.flat();
        if (all.length > MAX_BRANCHES) throw tooComplex();
        return all;
      }
      let acc: Lit[][] = [[]];
      for (const part of parts) {
        const next: Lit[][] = [];
        for (const left of acc) for (const right of part) next.push([...left, ...right]);
        if (next.length > MAX_BRANCHES) throw tooComplex();
        acc = next;
      }
      return acc;
    }
    default:
      return [[{ neg: negated, cond: expr }]];
  }
}

function tooComplex(): Error {
  return badRequest(`the query is too complex: it expands to more than ${MAX_BRANCHES} alternatives (OR branches)`);
}

/** Plans a branch; undefined when the branch can never match (e.g. duration > 2s AND duration < 1s). */
function planBranch(lits: readonly Lit[]): PlannedBranch | undefined {
  let serviceName: string | undefined;
  let operationName: string | undefined;
  let spanKind: PushedQuery['spanKind'];
  let errorOnly = false;
  let dmin: bigint | undefined;
  let dmax: bigint | undefined;
  const attributes: AttributeFilter[] = [];
  let residue = 0;
  for (const { neg, cond } of lits) {
    if (neg || cond.op !== 'compare') {
      residue++;
      continue;
    }
    const { field, cmp, value } = cond;
    if (field.type === 'attr') {
      if (cmp === '=') attributes.push({ key: field.key, value: literalText(value), scope: field.scope });
      else residue++;
      continue;
    }
    if (field.name === 'duration' && value.type === 'duration') {
      const n = value.nanos;
      if (cmp === '=' || cmp === '>=' || cmp === '>') {
        const lo = cmp === '>' ? n + 1n : n;
        dmin = dmin === undefined || lo > dmin ? lo : dmin;
      }
      if (cmp === '=' || cmp === '<=' || (cmp === '<' && n > 0n)) {
        const hi = cmp === '<' ? n - 1n : n;
        dmax = dmax === undefined || hi < dmax ? hi : dmax;
      }
      if (cmp === '!=' || (cmp === '<' && n === 0n)) residue++;
      continue;
    }
    if (cmp !== '=') {
      residue++;
      continue;
    }
    const text = literalText(value);
    if (field.name === 'service' && (serviceName === undefined || serviceName === text)) serviceName = text;
    else if (field.name === 'name' && (operationName === undefined || operationName === text)) operationName = text;
    else if (field.name === 'kind' && (spanKind === undefined || spanKind === parseKind(text))) spanKind = parseKind(text);
    else if (field.name === 'status' && text === 'error') errorOnly = true;
    else residue++;
  }
  if (dmin !== undefined && dmax !== undefined && dmin > dmax) return undefined;
  const query: PushedQuery = {
    ...(serviceName !== undefined && { serviceName }),
    ...(operationName !== undefined && { operationName }),
    ...(spanKind !== undefined && { spanKind }),
    ...(attributes.length > 0 && { attributes }),
    ...(dmin !== undefined && { durationMinNano: dmin }),
    ...(dmax !== undefined && { durationMaxNano: dmax }),
    ...(errorOnly && { errorOnly }),
  };
  return { query, exact: residue === 0 };
}

export function planSearch(expr: Expr | undefined): SearchPlan {
  if (expr === undefined) return { expr, branches: [{ query: {}, exact: true }], exact: true };
  const branches = toDnf(expr, false)
    .map(planBranch)
    .filter((b): b is PlannedBranch => b !== undefined);
  return { expr, branches, exact: branches.every((b) => b.exact) };
}
