/**
 * Reviews service (plain node:http, port 8011): `GET /reviews?band=<id>` reads the band's reviews
 * from PostgreSQL.
 */
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import pg from 'pg';
import { demoConfig } from '#shared/config';
import { closeServer, createLogger, nameRoute, onStop, ready } from '#shared/service';

const config = demoConfig();
const log = createLogger();
const db = new pg.Pool({ connectionString: config.databaseUrl, max: 5 });

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://reviews');
  if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
  if (req.method !== 'GET' || url.pathname !== '/reviews') return send(res, 404, { error: 'not found' });
  nameRoute('GET', '/reviews');
  const band = Number(url.searchParams.get('band'));
  if (!Number.isSafeInteger(band) || band <= 0) return send(res, 400, { error: 'band must be a positive integer' });
  db.query<{ author: string; rating: number; body: string }>(
    'SELECT author, rating, body FROM reviews WHERE band_id = $1 ORDER BY id',
    [band],
  ).then(
    ({ rows }) => {
      log.info({ band, reviews: rows.length }, 'reviews read');
      send(res, 200, { band, reviews: rows });
    },
    (err: unknown) => {
      log.error({ err, band }, 'reading reviews failed');
      send(res, 500, { error: 'database error' });
    },
  );
});

const port = config.port('reviews');
server.on('error', (err) => {
  log.error({ err }, 'cannot listen');
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => ready(log, `reviews on port ${port}`));
onStop(log, async () => {
  await closeServer(server);
  await db.end();
});
