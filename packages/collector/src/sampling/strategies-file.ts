import type { OperationStrategy, PerOperationSampling, SamplingStrategies, SamplingStrategyResponse } from './strategy.js';
import { probabilisticStrategy } from './strategy.js';

// Jaeger's sampling strategies file (the collector's `--sampling.strategies-file`):
//
//   { "service_strategies": [
//       { "service": "foo", "type": "probabilistic", "param": 0.8,
//         "operation_strategies": [ { "operation": "op1", "type": "probabilistic", "param": 0.2 } ] },
//       { "service": "bar", "type": "ratelimiting", "param": 5 } ],
//     "default_strategy": { "type": "probabilistic", "param": 0.5, "operation_strategies": [...] } }
//
// Resolution follows Jaeger: a service without operation strategies of its own takes the
// default strategy's, with its own probability as the default; a service with some gets the
// default's merged in for operations it does not name. Operation strategies are probabilistic
// only (Jaeger's SDKs have no per-operation rate limiting); others are reported as problems.

/** Jaeger's default when a file has no default_strategy. */
export const JAEGER_DEFAULT_PROBABILITY = 0.001;

interface FileStrategy {
  readonly type: 'probabilistic' | 'ratelimiting';
  readonly param: number;
}

interface Parsed {
  readonly default: FileStrategy & { readonly operations: readonly OperationStrategy[] };
  readonly services: ReadonlyMap<string, FileStrategy & { readonly operations: readonly OperationStrategy[] }>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseStrategy(v: Record<string, unknown>, at: string, problems: string[], fallback?: FileStrategy): FileStrategy {
  const type = v.type ?? fallback?.type;
  const param = v.param ?? fallback?.param;
  if (type !== 'probabilistic' && type !== 'ratelimiting') {
    problems.push(`${at}.type: must be "probabilistic" or "ratelimiting" (got ${JSON.stringify(type)})`);
    return { type: 'probabilistic', param: JAEGER_DEFAULT_PROBABILITY };
  }
  if (typeof param !== 'number' || !Number.isFinite(param) || param < 0 || (type === 'probabilistic' && param > 1)) {
    problems.push(`${at}.param: must be ${type === 'probabilistic' ? 'a probability from 0 to 1' : 'a number of traces per second >= 0'} (got ${JSON.stringify(param)})`);
    return { type, param: type === 'probabilistic' ? JAEGER_DEFAULT_PROBABILITY : 0 };
  }
  return { type, param };
}

function parseOperations(v: unknown, at: string, problems: string[]): OperationStrategy[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push(`${at}: must be a list`);
    return [];
  }
  const out: OperationStrategy[] = [];
  v.forEach((o, i) => {
    const here = `${at}[${i}]`;
    if (!isObj(o) || typeof o.operation !== 'string' || o.operation === '') {
      problems.push(`${here}: must have an "operation" name`);
      return;
    }
    const s = parseStrategy(o, here, problems);
    if (s.type !== 'probabilistic') {
      problems.push(`${here}: operation strategies must be probabilistic`);
      return;
    }
    out.push({ operation: o.operation, probabilisticSampling: { samplingRate: s.param } });
  });
  return out;
}

/** Checks a strategies document; throws an Error listing every problem. */
export function parseStrategiesFile(text: string, source = 'strategies file'): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const problems: string[] = [];
  if (!isObj(doc)) throw new Error(`${source}: must be a JSON object with service_strategies and default_strategy`);
  for (const key of Object.keys(doc)) if (key !== 'service_strategies' && key !== 'default_strategy') problems.push(`${key}: unknown key (known: service_strategies, default_strategy)`);
  let def: Parsed['default'] = { type: 'probabilistic', param: JAEGER_DEFAULT_PROBABILITY, operations: [] };
  if (doc.default_strategy !== undefined) {
    if (!isObj(doc.default_strategy)) problems.push('default_strategy: must be an object');
    else def = { ...parseStrategy(doc.default_strategy, 'default_strategy', problems), operations: parseOperations(doc.default_strategy.operation_strategies, 'default_strategy.operation_strategies', problems) };
  }
  const services = new Map<string, Parsed['default']>();
  const list = doc.service_strategies ?? [];
  if (!Array.isArray(list)) problems.push('service_strategies: must be a list');
  else
    list.forEach((s, i) => {
      const at = `service_strategies[${i}]`;
      if (!isObj(s) || typeof s.service !== 'string' || s.service === '') {
        problems.push(`${at}: must have a "service" name`);
        return;
      }
      if (services.has(s.service)) problems.push(`${at}: service "${s.service}" is listed twice`);
      // A service entry with only operation strategies takes its type and param from the default.
      const own = s.type === undefined && s.param === undefined ? { type: def.type, param: def.param } : parseStrategy(s, at, problems);
      services.set(s.service, { ...own, operations: parseOperations(s.operation_strategies, `${at}.operation_strategies`, problems) });
    });
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  return { default: def, services };
}

function baseResponse(s: FileStrategy): SamplingStrategyResponse {
  return s.type === 'probabilistic' ? probabilisticStrategy(s.param) : { strategyType: 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: s.param } };
}

function merge(own: readonly OperationStrategy[], defaults: readonly OperationStrategy[]): OperationStrategy[] {
  const named = new Set(own.map((o) => o.operation));
  return [...own, ...defaults.filter((o) => !named.has(o.operation))];
}

/** The strategies a parsed file gives, resolved per service the way Jaeger does. */
export function strategiesFromFile(parsed: Parsed): SamplingStrategies {
  const resolved = new Map<string, SamplingStrategyResponse>();
  const withOperations = (s: FileStrategy, ops: readonly OperationStrategy[]): SamplingStrategyResponse => {
    const base = baseResponse(s);
    if (ops.length === 0) return base;
    const defaultProbability = s.type === 'probabilistic' ? s.param : parsed.default.type === 'probabilistic' ? parsed.default.param : JAEGER_DEFAULT_PROBABILITY;
    const operationSampling: PerOperationSampling = { defaultSamplingProbability: defaultProbability, defaultLowerBoundTracesPerSecond: 0, perOperationStrategies: ops };
    return { ...base, operationSampling };
  };
  for (const [service, s] of parsed.services) resolved.set(service, withOperations(s, merge(s.operations, parsed.default.operations)));
  const fallback = withOperations(parsed.default, parsed.default.operations);
  return { strategyFor: (service) => resolved.get(service) ?? fallback };
}
