import type { SpanBatch } from '@tracelight/core';
import { getAttribute, probabilityToThreshold, StatusCode, thresholdKeeps } from '@tracelight/core';
import { ConfigError } from '../../component.js';
import type { Parser } from '../../internal/schema.js';
import { bool, list, num, object, oneOf, str } from '../../internal/schema.js';

/** A buffered trace, as policies see it. */
export interface TraceView {
  /** Every span buffered for the trace. */
  readonly batch: SpanBatch;
  /** Latest end minus earliest start, in nanoseconds. */
  readonly durationNano: number;
  /** The trace's 56 bits of randomness (its first span's `rv`, else its trace id). */
  readonly randomness: bigint;
}

/** One policy's verdict. `probabilistic` = kept only by chance (its spans then carry `ot=th`). */
export type Verdict = false | 'sample' | { readonly threshold: bigint };

export interface Policy {
  readonly name: string;
  evaluate(trace: TraceView, nowMs: number): Verdict;
}

const POLICY_TYPES = ['always_sample', 'status_code', 'latency', 'string_attribute', 'numeric_attribute', 'boolean_attribute', 'rate_limiting', 'probabilistic', 'and'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

/** A policy as written in the config: `name`, `type`, and a section named after the type. */
export interface PolicyConfig {
  readonly name: string;
  readonly type: PolicyType;
  readonly status_code?: { readonly status_codes: readonly ('ERROR' | 'OK' | 'UNSET')[] };
  readonly latency?: { readonly threshold_ms: number };
  readonly string_attribute?: { readonly key: string; readonly values: readonly string[]; readonly enabled_regex_matching: boolean; readonly invert_match: boolean };
  readonly numeric_attribute?: { readonly key: string; readonly min_value: number; readonly max_value: number };
  readonly boolean_attribute?: { readonly key: string; readonly value: boolean };
  readonly rate_limiting?: { readonly spans_per_second: number };
  readonly probabilistic?: { readonly sampling_percentage: number };
  readonly and?: { readonly and_sub_policy: readonly PolicyConfig[] };
}

const sections: { readonly [K in Exclude<PolicyType, 'always_sample' | 'and'>]: Parser<NonNullable<PolicyConfig[K]>> } = {
  status_code: object({ status_codes: list(oneOf(['ERROR', 'OK', 'UNSET']), { nonEmpty: true }) }),
  latency: object({ threshold_ms: num({ min: 0 }) }),
  string_attribute: object<NonNullable<PolicyConfig['string_attribute']>>(
    { key: str({ nonEmpty: true }), values: list(str(), { nonEmpty: true }), enabled_regex_matching: bool, invert_match: bool },
    { enabled_regex_matching: false, invert_match: false },
  ),
  numeric_attribute: object<NonNullable<PolicyConfig['numeric_attribute']>>({ key: str({ nonEmpty: true }), min_value: num(), max_value: num() }, { min_value: -Infinity, max_value: Infinity }),
  boolean_attribute: object({ key: str({ nonEmpty: true }), value: bool }),
  rate_limiting: object({ spans_per_second: num({ min: 1 }) }),
  probabilistic: object({ sampling_percentage: num({ min: 0, max: 100 }) }),
};

/** Checks one policy (and its sub-policies); `path` like `processors.tail_sampling.policies[0]`. */
export const policyParser: Parser<PolicyConfig> = (v, path, p) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    p.push(`${path}: must be a map with name and type`);
    return undefined as unknown as PolicyConfig;
  }
  const raw = v as Record<string, unknown>;
  const name = str({ nonEmpty: true })(raw.name, `${path}.name`, p);
  const type = oneOf(POLICY_TYPES)(raw.type, `${path}.type`, p);
  const out: Record<string, unknown> = { name, type };
  for (const key of Object.keys(raw)) {
    if (key !== 'name' && key !== 'type' && key !== type) p.push(`${path}.${key}: unknown key (a policy has name, type and a section named after its type)`);
  }
  if (type === 'and') {
    out.and = object({ and_sub_policy: list(policyParser, { nonEmpty: true }) })(raw.and, `${path}.and`, p);
  } else if (type !== undefined && type !== 'always_sample') {
    if (raw[type] === undefined) p.push(`${path}.${type}: is required for a ${type} policy`);
    else out[type] = sections[type](raw[type], `${path}.${type}`, p);
  }
  return out as unknown as PolicyConfig;
};

export const policiesParser: Parser<PolicyConfig[]> = list(policyParser, { nonEmpty: true });

function attributeValues(batch: SpanBatch, key: string): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < batch.length; i++) {
    const v = getAttribute(batch.attributes[i], key) ?? getAttribute(batch.resources[batch.resourceIndex[i]].attributes, key);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** Builds a policy from its checked config. `now` lets the rate limiter refill. */
export function createPolicy(c: PolicyConfig): Policy {
  const name = c.name;
  switch (c.type) {
    case 'always_sample':
      return { name, evaluate: () => 'sample' };
    case 'status_code': {
      const codes = new Set(c.status_code!.status_codes.map((s) => StatusCode[s]));
      return {
        name,
        evaluate: ({ batch }) => {
          for (let i = 0; i < batch.length; i++) if (codes.has(batch.statusCode[i] as StatusCode)) return 'sample';
          return false;
        },
      };
    }
    case 'latency': {
      const thresholdNano = c.latency!.threshold_ms * 1e6;
      return { name, evaluate: ({ durationNano }) => (durationNano >= thresholdNano ? 'sample' : false) };
    }
    case 'string_attribute': {
      const { key, values, enabled_regex_matching, invert_match } = c.string_attribute!;
      const tests = values.map((v) => {
        if (!enabled_regex_matching) return (s: string) => s === v;
        const r = new RegExp(v);
        return (s: string) => r.test(s);
      });
      return {
        name,
        evaluate: ({ batch }) => {
          const found = attributeValues(batch, key).some((v) => typeof v === 'string' && tests.some((t) => t(v)));
          return found !== invert_match ? 'sample' : false;
        },
      };
    }
    case 'numeric_attribute': {
      const { key, min_value, max_value } = c.numeric_attribute!;
      return {
        name,
        evaluate: ({ batch }) =>
          attributeValues(batch, key).some((v) => (typeof v === 'number' || typeof v === 'bigint') && Number(v) >= min_value && Number(v) <= max_value)
            ? 'sample'
            : false,
      };
    }
    case 'boolean_attribute': {
      const { key, value } = c.boolean_attribute!;
      return { name, evaluate: ({ batch }) => (attributeValues(batch, key).some((v) => v === value) ? 'sample' : false) };
    }
    case 'rate_limiting': {
      // A token bucket of spans, refilled continuously, holding at most one second's worth.
      const rate = c.rate_limiting!.spans_per_second;
      let tokens = rate;
      let last = -1;
      return {
        name,
        evaluate: ({ batch }, nowMs) => {
          if (last >= 0) tokens = Math.min(rate, tokens + ((nowMs - last) / 1000) * rate);
          last = nowMs;
          if (tokens < batch.length) return false;
          tokens -= batch.length;
          return 'sample';
        },
      };
    }
    case 'probabilistic': {
      const threshold = probabilityToThreshold(c.probabilistic!.sampling_percentage / 100, 4);
      return { name, evaluate: ({ randomness }) => (thresholdKeeps(threshold, randomness) ? { threshold } : false) };
    }
    case 'and': {
      const subs = c.and!.and_sub_policy.map(createPolicy);
      return {
        name,
        evaluate: (trace, now) => {
          let threshold: bigint | undefined;
          for (const s of subs) {
            const v = s.evaluate(trace, now);
            if (v === false) return false;
            if (v !== 'sample') threshold = threshold === undefined || v.threshold > threshold ? v.threshold : threshold;
          }
          return threshold === undefined ? 'sample' : { threshold };
        },
      };
    }
  }
}

/** Throws a ConfigError for policies that parse but cannot work (bad regular expressions). */
export function checkPolicies(policies: readonly PolicyConfig[], path: string): void {
  const problems: string[] = [];
  const names = new Set<string>();
  policies.forEach((c, i) => {
    if (names.has(c.name)) problems.push(`${path}[${i}].name: "${c.name}" is used twice`);
    names.add(c.name);
    if (c.type === 'string_attribute' && c.string_attribute?.enabled_regex_matching) {
      c.string_attribute.values.forEach((v, k) => {
        try {
          new RegExp(v);
        } catch (err) {
          problems.push(`${path}[${i}].string_attribute.values[${k}]: not a valid regular expression: ${(err as Error).message}`);
        }
      });
    }
    if (c.type === 'and') checkPolicies(c.and!.and_sub_policy, `${path}[${i}].and.and_sub_policy`);
  });
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
}

