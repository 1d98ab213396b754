/**
 * Creates the demo's PostgreSQL database, its tables and seed data; safe to run any number of
 * times, also by two demos at once. Run by `tracelight demo` before the services start (not
 * instrumented: set-up is not part of the system being watched).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracelight_demo node examples/setup.ts
 *
 * On failure it prints one line saying what is wrong and exits 1.
 */
import pg from 'pg';
import { demoConfig } from '#shared/config';

const LOCK = 7_215_001; // pg_advisory_lock key: one set-up at a time per server

const ACCOUNTS = 100;
const BANDS = 12;
const AUTHORS = ['ana', 'bo', 'chen', 'dara', 'eli', 'femi', 'gus', 'hana', 'ivo', 'jun'];
const WORDS = ['tight', 'loud', 'moody', 'raw', 'glorious', 'sloppy', 'hypnotic', 'sweaty', 'brilliant', 'uneven'];

function databaseName(url: URL): string {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`the database name must be a plain lower-case identifier (got ${JSON.stringify(name)})`);
  return name;
}

function describe(err: unknown, url: URL): string {
  const e = err as { code?: string; message?: string };
  const where = `${url.hostname}:${url.port || 5432}`;
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT' || e.code === 'EHOSTUNREACH') {
    return `PostgreSQL is not answering at ${where} (${e.code})`;
  }
  if (e.code === '28P01' || e.code === '28000') return `PostgreSQL at ${where} refused user ${JSON.stringify(decodeURIComponent(url.username) || 'postgres')}: ${e.message}`;
  if (e.code === '42501') return `PostgreSQL user ${JSON.stringify(decodeURIComponent(url.username))} may not create the demo database: ${e.message}`;
  return `PostgreSQL set-up failed: ${e.message ?? String(err)}`;
}

async function withClient<T>(url: URL, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function setup(): Promise<void> {
  const url = new URL(demoConfig().databaseUrl);
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  try {
    await withClient(admin, async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      // An identifier checked above, so it can be written into the statement.
      if (rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK]);
    });
    await withClient(url, async (client) => {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS accounts (
          id integer PRIMARY KEY,
          owner text NOT NULL,
          balance_cents bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS transactions (
          id bigserial PRIMARY KEY,
          account_id integer NOT NULL REFERENCES accounts (id),
          amount_cents bigint NOT NULL,
          currency text NOT NULL,
          status text NOT NULL,
          provider_ref text,
          fraud_score real,
          created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS transactions_created_at ON transactions (created_at);
        CREATE TABLE IF NOT EXISTS reviews (
          id serial PRIMARY KEY,
          band_id integer NOT NULL,
          author text NOT NULL,
          rating integer NOT NULL,
          body text NOT NULL
        );
        CREATE INDEX IF NOT EXISTS reviews_band_id ON reviews (band_id);
      `);
      // Every tenth account is nearly empty: payments from it are refused (402).
      for (let id = 1; id <= ACCOUNTS; id++) {
        await client.query('INSERT INTO accounts (id, owner, balance_cents) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [
          id,
          `customer-${id}`,
          id % 10 === 0 ? 500 : 10_000_000,
        ]);
      }
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM reviews');
      if (Number(rows[0].n) === 0) {
        for (let band = 1; band <= BANDS; band++) {
          for (let k = 0; k < 3 + (band % 5); k++) {
            const i = band * 7 + k * 3;
            await client.query('INSERT INTO reviews (band_id, author, rating, body) VALUES ($1, $2, $3, $4)', [
              band,
              AUTHORS[i % AUTHORS.length],
              1 + (i % 5),
              `${WORDS[i % WORDS.length]} and ${WORDS[(i + 3) % WORDS.length]}`,
            ]);
          }
        }
      }
      // The load generator adds a row per payment; keep a week.
      await client.query(`DELETE FROM transactions WHERE created_at < now() - interval '7 days'`);
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK]);
    });
  } catch (err) {
    throw new Error(describe(err, url), { cause: err });
  }
}

try {
  await setup();
  console.log('database ready');
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
