/**
 * Payments gateway (Fastify, port 8000): `POST /process-payment`, the classic "where did my
 * 5 seconds go" request. It asks the auth service about the caller's token, checks the balance in
 * PostgreSQL, charges the card at the (slow, sometimes failing) external provider, logs the
 * transaction in PostgreSQL and asks the fraud model for a score.
 *
 *   curl -X POST localhost:8000/process-payment -H 'authorization: Bearer <token>' \
 *        -H 'content-type: application/json' -d '{"amountCents": 1250, "card": "4242424242424242"}'
 */
import Fastify from 'fastify';
import pg from 'pg';
import { demoConfig } from '#shared/config';
import { createLogger, expectJson, HttpError, onStop, ready } from '#shared/service';

interface PaymentRequest {
  amountCents?: unknown;
  currency?: unknown;
  card?: unknown;
}

const config = demoConfig();
const log = createLogger();
const db = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
const app = Fastify({ logger: false });

app.get('/health', async () => ({ ok: true }));

app.post('/process-payment', async (request, reply) => {
  const body = (request.body ?? {}) as PaymentRequest;
  const amountCents = Number(body.amountCents);
  const currency = typeof body.currency === 'string' ? body.currency : 'EUR';
  const card = typeof body.card === 'string' ? body.card : '';
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0 || !/^\d{12,19}$/.test(card)) {
    log.warn({ amountCents, card: card.slice(-4) }, 'bad payment request');
    return reply.code(400).send({ error: 'amountCents (a positive integer) and card (12-19 digits) are required' });
  }

  // 1. Who is paying?
  const auth = await fetch(`${config.authUrl}/verify`, {
    method: 'POST',
    headers: { authorization: request.headers.authorization ?? '' },
  });
  if (auth.status === 401) {
    log.warn('payment refused: invalid token');
    return reply.code(401).send({ error: 'invalid token' });
  }
  const { accountId } = await expectJson<{ accountId: number }>(auth, 'auth');

  // 2. Can they afford it?
  const balance = await db.query<{ balance_cents: string }>('SELECT balance_cents FROM accounts WHERE id = $1', [accountId]);
  if (balance.rowCount === 0) return reply.code(404).send({ error: `no account ${accountId}` });
  if (Number(balance.rows[0].balance_cents) < amountCents) {
    log.info({ accountId, amountCents }, 'payment refused: insufficient funds');
    return reply.code(402).send({ error: 'insufficient funds' });
  }

  // 3. Charge the card at the external provider (the slow part).
  const charge = await fetch(`${config.providerUrl}/v1/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amountCents, currency, card }),
  });
  const chargeBody = (await charge.json().catch(() => ({}))) as { id?: string; error?: string };
  const status = charge.ok ? 'captured' : charge.status === 402 ? 'declined' : 'failed';

  // 4. Log the transaction, whatever happened.
  const inserted = await db.query<{ id: string }>(
    'INSERT INTO transactions (account_id, amount_cents, currency, status, provider_ref) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [accountId, amountCents, currency, status, chargeBody.id ?? null],
  );
  const transactionId = inserted.rows[0].id;
  if (status === 'declined') {
    log.info({ accountId, transactionId }, 'card declined');
    return reply.code(402).send({ error: 'card declined', transactionId });
  }
  if (status === 'failed') {
    log.error({ accountId, transactionId, providerStatus: charge.status, providerError: chargeBody.error }, 'payment provider failed');
    return reply.code(502).send({ error: `payment provider failed: ${chargeBody.error ?? charge.status}`, transactionId });
  }

  // 5. Score it for fraud (after the fact, as many real systems do).
  const scored = await fetch(`${config.fraudModelUrl}/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, amountCents, currency, cardLast4: card.slice(-4) }),
  });
  const { score } = await expectJson<{ score: number }>(scored, 'fraud model');
  await db.query('UPDATE transactions SET fraud_score = $1 WHERE id = $2', [score, transactionId]);
  log.info({ accountId, transactionId, amountCents, score }, 'payment captured');
  return reply.code(201).send({ transactionId, status, fraudScore: score });
});

app.setErrorHandler((err, _request, reply) => {
  log.error({ err }, 'payment failed');
  const status = err instanceof HttpError ? 502 : 500;
  void reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
});

await app.listen({ host: '127.0.0.1', port: config.port('gateway') });
onStop(log, async () => {
  await app.close();
  await db.end();
});
ready(log, `payments gateway on port ${config.port('gateway')}`);
