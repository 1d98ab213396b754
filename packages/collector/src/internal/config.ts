import { ConfigError } from '../component.js';

/** Returns what is wrong with a value, or undefined when it is fine. */
export type Check = (value: unknown) => string | undefined;

export const isHost: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a host name or IP address');

export const isPort: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? undefined : 'must be an integer from 0 to 65535';

export const isPositiveInteger: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 ? undefined : 'must be a positive integer';

/**
 * Merges `given` over `defaults` and checks every field. Unknown keys are errors (a typo in a
 * config must not be silently ignored). Throws one ConfigError listing every problem.
 */
export function resolveConfig<C extends object>(
  type: string,
  defaults: C,
  given: unknown,
  checks: { readonly [K in keyof C]: Check },
): C {
  if (given === undefined || given === null) given = {};
  if (typeof given !== 'object' || Array.isArray(given)) throw new ConfigError(`${type}: config must be an object`);
  const problems: string[] = [];
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given as Record<string, unknown>)) {
    if (!Object.hasOwn(checks, key)) {
      problems.push(`unknown key "${key}" (known: ${Object.keys(checks).join(', ')})`);
      continue;
    }
    if (value !== undefined) merged[key] = value;
  }
  for (const [key, check] of Object.entries(checks) as [string, Check][]) {
    const problem = check(merged[key]);
    if (problem) problems.push(`"${key}" ${problem} (got ${JSON.stringify(merged[key])})`);
  }
  if (problems.length > 0) throw new ConfigError(`${type}: ${problems.join('; ')}`);
  return merged as C;
}
