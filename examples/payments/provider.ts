/**
 * A fake external payment provider (node:http, port 8002), standing in for a card network we do
 * not control: deliberately slow (around PROVIDER_LATENCY_MS, now and then several seconds) and
 * unreliable (PROVIDER_FAILURE_RATE of the calls fail with 503). Test cards, as real providers
 * have them: 4000000000000002 is always declined (402), 4000000000000119 always fails (500).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { demoConfig } from '#shared/config';
import { closeServer, createLogger, nameRoute, onStop, ready, sleep } from '#shared/service';

const DECLINED_CARD = '4000000000000002';
const FAILING_CARD = '4000000000000119';

const config = demoConfig();
const log = createLogger();

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Around the typical latency, with one call in twenty taking 3-5 s. */
function latency(): number {
  const typical = config.providerLatencyMs;
  if (Math.random() < 0.05) return 3_000 + Math.random() * 2_000;
  return typical * (0.6 + Math.random() * 0.8);
}

async function charge(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const card = typeof body.card === 'string' ? body.card : '';
  await sleep(latency());
  if (card === FAILING_CARD || Math.random() < config.providerFailureRate) {
    const status = card === FAILING_CARD ? 500 : 503;
    log.error({ card: card.slice(-4), status }, 'charge failed: upstream bank timeout');
    send(res, status, { error: 'upstream bank timeout' });
    return;
  }
  if (card === DECLINED_CARD) {
    log.info({ card: card.slice(-4) }, 'charge declined');
    send(res, 402, { error: 'card declined' });
    return;
  }
  const id = `ch_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  log.info({ id, amountCents: body.amountCents }, 'charge captured');
  send(res, 201, { id, status: 'captured' });
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://provider').pathname;
  if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true });
  if (req.method === 'POST' && path === '/v1/charges') {
    nameRoute('POST', '/v1/charges');
    charge(req, res).catch((err: unknown) => {
      log.error({ err }, 'charge crashed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
    return;
  }
  send(res, 404, { error: 'not found' });
});

const port = config.port('provider');
server.on('error', (err) => {
  log.error({ err }, 'cannot listen');
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => ready(log, `payment provider on port ${port}`));
onStop(log, async () => {
  await closeServer(server);
});
