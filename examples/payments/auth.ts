/**
 * Auth service (Express, port 8001): `POST /verify` checks the bearer token the gateway passes on
 * and answers the account it belongs to, or 401.
 */
import express from 'express';
import { demoConfig } from '#shared/config';
import { closeServer, createLogger, onStop, ready } from '#shared/service';
import { verifyToken } from '#shared/tokens';

const config = demoConfig();
const log = createLogger();
const app = express();

app.get('/health', (_req, res) => {
  res.json({ ok: true });
});

app.post('/verify', (req, res) => {
  const token = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
  const accountId = verifyToken(config.tokenSecret, token);
  if (accountId === undefined) {
    log.warn({ tokenStart: token.slice(0, 8) }, 'token rejected');
    res.status(401).json({ error: 'invalid token' });
    return;
  }
  log.info({ accountId }, 'token accepted');
  res.json({ accountId });
});

const port = config.port('auth');
const server = app.listen(port, '127.0.0.1', () => ready(log, `auth on port ${port}`));
server.on('error', (err) => {
  log.error({ err }, 'cannot listen');
  process.exit(1);
});
onStop(log, async () => {
  await closeServer(server);
});
