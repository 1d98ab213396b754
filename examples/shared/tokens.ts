import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The demo's API tokens: `demo_<account>_<signature>`, the signature an HMAC of the account id.
 * The auth service verifies them; the load generator makes valid ones (and some bad ones).
 */

function signature(secret: string, account: number): string {
  return createHmac('sha256', secret).update(String(account)).digest('hex').slice(0, 24);
}

export function makeToken(secret: string, account: number): string {
  return `demo_${account}_${signature(secret, account)}`;
}

/** The account a token belongs to, or undefined when it is malformed or its signature is wrong. */
export function verifyToken(secret: string, token: string): number | undefined {
  const m = /^demo_(\d{1,9})_([0-9a-f]{24})$/.exec(token);
  if (!m) return undefined;
  const account = Number(m[1]);
  const expected = Buffer.from(signature(secret, account));
  const given = Buffer.from(m[2]);
  return given.length === expected.length && timingSafeEqual(given, expected) ? account : undefined;
}
