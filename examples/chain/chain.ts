/**
 * The chain (Express): one program, run as three services. `GET /chain` on the first (port 8020)
 * calls its own `/`, then `/io_task` on the second (8021, waits on I/O) and `/cpu_task` on the
 * third (8022, computes). Each instance serves every route; OTEL_SERVICE_NAME tells them apart.
 */
import express from 'express';
import { demoConfig } from '#shared/config';
import { closeServer, createLogger, expectJson, onStop, ready, sleep } from '#shared/service';

const config = demoConfig();
const log = createLogger();
const app = express();

/** Counts primes below n the slow way: honest CPU work. */
function primesBelow(n: number): number {
  let count = 0;
  for (let k = 2; k < n; k++) {
    let prime = true;
    for (let d = 2; d * d <= k; d++) {
      if (k % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

app.get('/health', (_req, res) => {
  res.json({ ok: true });
});

app.get('/', (_req, res) => {
  log.info('hello from the chain');
  res.json({ hello: 'chain' });
});

app.get('/io_task', async (_req, res) => {
  await sleep(150 + Math.random() * 100);
  log.info('io task done');
  res.json({ task: 'io', done: true });
});

app.get('/cpu_task', (_req, res) => {
  const primes = primesBelow(300_000);
  log.info({ primes }, 'cpu task done');
  res.json({ task: 'cpu', primes });
});

app.get('/chain', async (_req, res, next) => {
  try {
    const self = await expectJson<unknown>(await fetch(`${config.chainUrl}/`), 'chain /');
    const io = await expectJson<unknown>(await fetch(`${config.chainIoUrl}/io_task`), 'chain-io /io_task');
    const cpu = await expectJson<unknown>(await fetch(`${config.chainCpuUrl}/cpu_task`), 'chain-cpu /cpu_task');
    log.info('chain done');
    res.json({ self, io, cpu });
  } catch (err) {
    next(err);
  }
});

app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  log.error({ err }, 'chain failed');
  res.status(502).json({ error: err.message });
});

const port = config.port('chain');
const server = app.listen(port, '127.0.0.1', () => ready(log, `${process.env.OTEL_SERVICE_NAME ?? 'chain'} on port ${port}`));
server.on('error', (err) => {
  log.error({ err }, 'cannot listen');
  process.exit(1);
});
onStop(log, () => closeServer(server));
