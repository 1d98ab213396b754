/**
 * The load generator `tracelight demo` runs: requests at LOAD_RATE per second (random arrivals),
 * spread over the scenarios, with some that fail on purpose (bad tokens, declined cards, empty
 * accounts, unknown bands; the provider fails by itself), so search, the service map and the
 * Monitor page have something to show. Not instrumented: each request starts its own trace at the
 * service it calls, as a browser or a mobile app would.
 *
 *   LOAD_RATE=5 node examples/load.ts
 */
import { demoConfig } from '#shared/config';
import { makeToken } from '#shared/tokens';

const MAX_IN_FLIGHT = 64;
const REPORT_EVERY_MS = 30_000;
const GOOD_CARD = '4242424242424242';
const DECLINED_CARD = '4000000000000002';

const config = demoConfig();
const counts = new Map<string, number>();
let inFlight = 0;
let skipped = 0;
let stopped = false;

function count(key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const chance = (p: number) => Math.random() < p;

function payment(): Promise<Response> {
  const account = 1 + Math.floor(Math.random() * 100);
  const token = chance(0.05) ? `demo_${account}_${'0'.repeat(24)}` : makeToken(config.tokenSecret, account);
  return fetch(`${config.gatewayUrl}/process-payment`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      amountCents: 100 + Math.floor(Math.random() * 50_000),
      currency: pick(['EUR', 'USD', 'GBP']),
      card: chance(0.03) ? DECLINED_CARD : GOOD_CARD,
    }),
  });
}

const SCENARIOS: readonly { name: string; weight: number; send: () => Promise<Response> }[] = [
  { name: 'payment', weight: 40, send: payment },
  { name: 'band', weight: 25, send: () => fetch(`${config.bandsUrl}/bands/${chance(0.05) ? 99 : 1 + Math.floor(Math.random() * 12)}`) },
  { name: 'chain', weight: 15, send: () => fetch(`${config.chainUrl}/chain`) },
  { name: 'job', weight: 20, send: () => fetch(`${config.jobsUrl}/jobs`, { method: 'POST' }) },
];
const totalWeight = SCENARIOS.reduce((s, x) => s + x.weight, 0);

function scenario(): (typeof SCENARIOS)[number] {
  let r = Math.random() * totalWeight;
  for (const s of SCENARIOS) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return SCENARIOS[0];
}

function fire(): void {
  if (inFlight >= MAX_IN_FLIGHT) {
    skipped++;
    return;
  }
  const s = scenario();
  inFlight++;
  s.send()
    .then(async (res) => {
      await res.arrayBuffer();
      count(`${s.name} ${res.status}`);
    })
    .catch((err: unknown) => count(`${s.name} ${(err as { cause?: { code?: string } }).cause?.code ?? 'error'}`))
    .finally(() => inFlight--);
}

function next(): void {
  if (stopped) return;
  // Exponential gaps: arrivals as from many independent users.
  const gap = (-Math.log(1 - Math.random()) * 1000) / config.loadRate;
  setTimeout(() => {
    fire();
    next();
  }, gap);
}

function report(): void {
  const parts = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`);
  console.log(`load: ${parts.join(', ') || 'nothing yet'}${skipped ? `, skipped (too many in flight): ${skipped}` : ''}`);
}

function stop(): void {
  if (stopped) return;
  stopped = true;
  clearInterval(reporter);
  report();
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 2_000).unref();
}

if (!(config.loadRate > 0)) {
  console.error(`LOAD_RATE must be a positive number of requests per second (got ${config.loadRate})`);
  process.exit(2);
}
console.log(`load: ${config.loadRate} requests/s over ${SCENARIOS.map((s) => s.name).join(', ')}`);
const reporter = setInterval(report, REPORT_EVERY_MS);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
process.send?.({ ready: true, what: 'load generator' });
next();
