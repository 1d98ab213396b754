/**
 * Bands service (Hono on Node, port 8010): `GET /bands/:id` answers a band from its catalogue
 * with the band's reviews, fetched from the reviews service.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { tracelight } from '@tracelight/instrument/hono';
import { demoConfig } from '#shared/config';
import { closeServer, createLogger, expectJson, onStop, ready } from '#shared/service';

const BANDS = new Map<number, { name: string; genre: string; formed: number }>([
  [1, { name: 'The Span Processors', genre: 'post-rock', formed: 2014 }],
  [2, { name: 'Critical Path', genre: 'math rock', formed: 2009 }],
  [3, { name: 'Tail Sampling', genre: 'shoegaze', formed: 2017 }],
  [4, { name: 'Context Propagation', genre: 'krautrock', formed: 2011 }],
  [5, { name: 'Baggage Claim', genre: 'punk', formed: 2019 }],
  [6, { name: 'Clock Skew', genre: 'jazz', formed: 1998 }],
  [7, { name: 'The Orphan Spans', genre: 'indie', formed: 2021 }],
  [8, { name: 'Head Based', genre: 'metal', formed: 2003 }],
  [9, { name: 'W3C Traceparent', genre: 'synth-pop', formed: 2020 }],
  [10, { name: 'Batch Exporter', genre: 'techno', formed: 2016 }],
  [11, { name: 'Flame Graph', genre: 'blues', formed: 1994 }],
  [12, { name: 'Service Map', genre: 'folk', formed: 2012 }],
]);

const config = demoConfig();
const log = createLogger();
const app = new Hono();
app.use(tracelight());

app.get('/health', (c) => c.json({ ok: true }));

app.get('/bands/:id', async (c) => {
  const id = Number(c.req.param('id'));
  const band = BANDS.get(id);
  if (!band) {
    log.info({ id: c.req.param('id') }, 'no such band');
    return c.json({ error: 'no such band' }, 404);
  }
  const res = await fetch(`${config.reviewsUrl}/reviews?band=${id}`);
  const { reviews } = await expectJson<{ reviews: { rating: number }[] }>(res, 'reviews');
  const rating = reviews.length === 0 ? null : reviews.reduce((s, r) => s + r.rating, 0) / reviews.length;
  log.info({ id, reviews: reviews.length }, 'band served');
  return c.json({ id, ...band, rating, reviews });
});

app.onError((err, c) => {
  log.error({ err }, 'band request failed');
  return c.json({ error: err.message }, 502);
});

const port = config.port('bands');
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => ready(log, `bands on port ${port}`));
server.on('error', (err) => {
  log.error({ err }, 'cannot listen');
  process.exit(1);
});
onStop(log, () => closeServer(server));
