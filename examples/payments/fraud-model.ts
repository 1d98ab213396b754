/**
 * The "AI model" (Hono, port 8003): `POST /score` runs a small fraud-scoring neural network
 * ensemble on the CPU, synchronously, as an in-process model would: a few tens of milliseconds of
 * pure computation per payment, which shows up as a span with no children and no waiting.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { tracelight } from '@tracelight/instrument/hono';
import { demoConfig } from '#shared/config';
import { closeServer, createLogger, onStop, ready } from '#shared/service';

const INPUTS = 16;
const HIDDEN = 192;
const MEMBERS = 160;

/** A fixed, seeded "trained" model: the same weights in every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

interface Member {
  w1: Float64Array;
  w2: Float64Array;
  w3: Float64Array;
}

const random = seeded(42);
const fill = (n: number, scale: number) => Float64Array.from({ length: n }, () => random() * scale);
const members: Member[] = Array.from({ length: MEMBERS }, () => ({
  w1: fill(INPUTS * HIDDEN, 0.5),
  w2: fill(HIDDEN * HIDDEN, 0.15),
  w3: fill(HIDDEN, 0.3),
}));
const h1 = new Float64Array(HIDDEN);
const h2 = new Float64Array(HIDDEN);

function features(input: { accountId: number; amountCents: number; cardLast4: string }): Float64Array {
  const x = new Float64Array(INPUTS);
  x[0] = Math.log1p(input.amountCents) / 10;
  x[1] = (input.accountId % 97) / 97;
  x[2] = new Date().getUTCHours() / 24;
  for (let i = 0; i < 4; i++) x[3 + i] = Number(input.cardLast4[i] ?? 0) / 9;
  for (let i = 7; i < INPUTS; i++) x[i] = Math.sin(x[0] * i + x[1]);
  return x;
}

/** The mean of the ensemble's sigmoid outputs, in (0, 1). */
function score(x: Float64Array): number {
  let sum = 0;
  for (const m of members) {
    for (let j = 0; j < HIDDEN; j++) {
      let s = 0;
      for (let i = 0; i < INPUTS; i++) s += x[i] * m.w1[j * INPUTS + i];
      h1[j] = Math.max(0, s);
    }
    for (let j = 0; j < HIDDEN; j++) {
      let s = 0;
      const row = j * HIDDEN;
      for (let i = 0; i < HIDDEN; i++) s += h1[i] * m.w2[row + i];
      h2[j] = Math.max(0, s);
    }
    let out = 0;
    for (let j = 0; j < HIDDEN; j++) out += h2[j] * m.w3[j];
    sum += 1 / (1 + Math.exp(-out));
  }
  return sum / MEMBERS;
}

const config = demoConfig();
const log = createLogger();
const app = new Hono();
app.use(tracelight());

app.get('/health', (c) => c.json({ ok: true }));

app.post('/score', async (c) => {
  const body = (await c.req.json().catch(() => ({}))) as { accountId?: unknown; amountCents?: unknown; cardLast4?: unknown };
  const accountId = Number(body.accountId);
  const amountCents = Number(body.amountCents);
  if (!Number.isFinite(accountId) || !Number.isFinite(amountCents)) return c.json({ error: 'accountId and amountCents are required' }, 400);
  const started = performance.now();
  const result = score(features({ accountId, amountCents, cardLast4: typeof body.cardLast4 === 'string' ? body.cardLast4 : '0000' }));
  log.info({ accountId, score: Number(result.toFixed(4)), ms: Math.round(performance.now() - started) }, 'scored');
  return c.json({ score: result, model: `mlp-ensemble-${MEMBERS}x${HIDDEN}` });
});

const port = config.port('fraudModel');
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => ready(log, `fraud model on port ${port}`));
server.on('error', (err) => {
  log.error({ err }, 'cannot listen');
  process.exit(1);
});
onStop(log, () => closeServer(server));
