import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Io } from '../internal/io.js';
import type { DemoProcesses } from '../internal/demo-processes.js';
import { allReady, createDemoProcesses, DemoError } from '../internal/demo-processes.js';
import { checkDependencies, checkPorts } from '../internal/demo-preflight.js';
import type { DemoSettings } from '../internal/demo-services.js';
import { DEFAULT_BASE_PORT, DEMO_SERVICES, LOAD_SCRIPT, portOf, SAMPLE_SCRIPT, serviceEnv, SETUP_SCRIPT, sharedEnv } from '../internal/demo-services.js';
import type { RunningServer, StartOptions } from './start.js';
import { parseStartArgs, runStart } from './start.js';

export interface DemoOptions {
  readonly start: StartOptions;
  /** Requests per second of the load generator; 0 = no load. */
  readonly rate: number;
  readonly basePort: number;
  readonly postgresUrl: string;
  readonly rabbitmqUrl: string;
  readonly natsUrl: string;
  readonly providerFailureRate: number;
}

export const DEMO_DEFAULTS = {
  rate: 3,
  basePort: DEFAULT_BASE_PORT,
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/tracelight_demo',
  rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
  natsUrl: 'nats://127.0.0.1:4222',
  providerFailureRate: 0.1,
} as const;

export const DEMO_HELP = `Usage: tracelight demo [options]

Runs tracelight (as 'tracelight start') together with a small system of real services from
examples/ (payments, bands and reviews, a chain of calls, jobs over NATS and RabbitMQ), all
instrumented with @tracelight/instrument, plus a load generator, until Ctrl+C. Needs
PostgreSQL, RabbitMQ and NATS; creates its own database.

Options:
  --rate <n>               requests per second from the load generator (default ${DEMO_DEFAULTS.rate})
  --no-load                no load generator: send requests yourself (curl lines are printed)
  --failure-rate <p>       share of payment-provider calls that fail, 0..1 (default ${DEMO_DEFAULTS.providerFailureRate})
  --base-port <port>       the services listen on this port and the ones after it, up to +30
                           (default ${DEMO_DEFAULTS.basePort}: the payments gateway is on 8000)
  --postgres <url>         PostgreSQL; the database in the URL is created (default
                           ${DEMO_DEFAULTS.postgresUrl})
  --rabbitmq <url>         RabbitMQ (default ${DEMO_DEFAULTS.rabbitmqUrl})
  --nats <url>             NATS (default ${DEMO_DEFAULTS.natsUrl})
  -h, --help               show this help

Every option of 'tracelight start' works too (--http-port, --otlp-http-port, --store, ...).`;

const DEMO_FLAGS = {
  rate: { type: 'string' },
  'no-load': { type: 'boolean' },
  'failure-rate': { type: 'string' },
  'base-port': { type: 'string' },
  postgres: { type: 'string' },
  rabbitmq: { type: 'string' },
  nats: { type: 'string' },
} as const;

export type DemoParseResult =
  | { readonly kind: 'run'; readonly options: DemoOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** Splits argv into the demo's own flags and the rest (given to `tracelight start`'s parser). */
function splitArgs(argv: readonly string[]): { own: string[]; rest: string[] } {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = /^--([^=]+)/.exec(arg)?.[1];
    const flag = name === undefined ? undefined : DEMO_FLAGS[name as keyof typeof DEMO_FLAGS];
    if (!flag) {
      rest.push(arg);
      continue;
    }
    // As --flag=value, so a value that starts with '-' (a mistake we want to explain) is still a value.
    own.push(flag.type === 'string' && !arg.includes('=') && i + 1 < argv.length ? `${arg}=${argv[++i]}` : arg);
  }
  return { own, rest };
}

function isUrl(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Parses `tracelight demo` flags; every mistake is a one-line message (the caller exits 2). */
export function parseDemoArgs(argv: readonly string[]): DemoParseResult {
  const { own, rest } = splitArgs(argv);
  const start = parseStartArgs(rest);
  if (start.kind !== 'run') return start;
  let values;
  try {
    ({ values } = parseArgs({ args: own, strict: true, allowPositionals: false, options: DEMO_FLAGS }));
  } catch (err) {
    return { kind: 'error', message: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
  const problems: string[] = [];
  const rate = values.rate === undefined ? DEMO_DEFAULTS.rate : Number(values.rate);
  if (!(Number.isFinite(rate) && rate > 0 && rate <= 1000)) problems.push(`--rate must be a number of requests per second, above 0 and at most 1000 (got ${JSON.stringify(values.rate)})`);
  if (values['no-load'] && values.rate !== undefined) problems.push('--rate and --no-load are contradictory');
  const failureRate = values['failure-rate'] === undefined ? DEMO_DEFAULTS.providerFailureRate : Number(values['failure-rate']);
  if (!(Number.isFinite(failureRate) && failureRate >= 0 && failureRate <= 1)) problems.push(`--failure-rate must be a number from 0 to 1 (got ${JSON.stringify(values['failure-rate'])})`);
  const basePort = values['base-port'] === undefined ? DEMO_DEFAULTS.basePort : /^\d+$/.test(values['base-port']) ? Number(values['base-port']) : NaN;
  const top = Math.max(...DEMO_SERVICES.map((s) => s.offset ?? 0));
  if (!(basePort >= 1024 && basePort + top <= 65535)) problems.push(`--base-port must be a port from 1024 to ${65535 - top} (got ${JSON.stringify(values['base-port'])})`);
  const postgresUrl = values.postgres ?? DEMO_DEFAULTS.postgresUrl;
  if (!isUrl(postgresUrl, ['postgres:', 'postgresql:'])) problems.push(`--postgres must be a postgres:// URL (got ${JSON.stringify(postgresUrl)})`);
  const rabbitmqUrl = values.rabbitmq ?? DEMO_DEFAULTS.rabbitmqUrl;
  if (!isUrl(rabbitmqUrl, ['amqp:', 'amqps:'])) problems.push(`--rabbitmq must be an amqp:// URL (got ${JSON.stringify(rabbitmqUrl)})`);
  const natsUrl = values.nats ?? DEMO_DEFAULTS.natsUrl;
  if (!isUrl(natsUrl, ['nats:', 'tls:'])) problems.push(`--nats must be a nats:// URL (got ${JSON.stringify(natsUrl)})`);
  if (problems.length > 0) return { kind: 'error', message: problems.join('; ') };
  return {
    kind: 'run',
    options: { start: start.options, rate: values['no-load'] ? 0 : rate, basePort, postgresUrl, rabbitmqUrl, natsUrl, providerFailureRate: failureRate },
  };
}

/** The repository: the demo runs the programs in its `examples/` (from src or dist, the depth is the same). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const SERVICE_START_TIMEOUT_MS = 120_000;

const START_HINT = 'in this repository, bash scripts/ensure-services.sh starts every one that is installed';

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

async function preflight(options: DemoOptions, examples: string): Promise<string[]> {
  const problems: string[] = [];
  if (!existsSync(join(examples, 'package.json'))) {
    return [`the demo services are not here (${examples}); run 'tracelight demo' from a clone of the Tracelight repository`];
  }
  try {
    createRequire(join(examples, 'package.json')).resolve('@tracelight/instrument/register');
  } catch {
    problems.push(`@tracelight/instrument is not built; run 'npm run build' (or bash scripts/setup.sh) first`);
  }
  const ports = DEMO_SERVICES.flatMap((s) => {
    const port = portOf(s, options.basePort);
    return port === undefined ? [] : [{ port, name: s.name }];
  });
  const busy = await checkPorts('127.0.0.1', ports, (n) => `stop what uses ${n > 1 ? 'them' : 'it'}, or move the demo's services with --base-port <port>`);
  if (busy) problems.push(busy);
  problems.push(
    ...(await checkDependencies([
      { name: 'PostgreSQL', url: options.postgresUrl, defaultPort: 5432, flag: '--postgres', startHint: `e.g. sudo systemctl start postgresql; ${START_HINT}` },
      { name: 'RabbitMQ', url: options.rabbitmqUrl, defaultPort: 5672, flag: '--rabbitmq', startHint: `e.g. sudo systemctl start rabbitmq-server; ${START_HINT}` },
      { name: 'NATS', url: options.natsUrl, defaultPort: 4222, flag: '--nats', startHint: `e.g. nats-server -js &; ${START_HINT}` },
    ])),
  );
  return problems;
}

interface Sample {
  traceId: string;
  status: number;
  token: string;
}

function parseSample(output: string): Sample {
  const last = output.trim().split('\n').pop() ?? '';
  try {
    const sample = JSON.parse(last) as Partial<Sample>;
    if (typeof sample.traceId === 'string' && typeof sample.status === 'number' && typeof sample.token === 'string') return sample as Sample;
  } catch {
    // reported below
  }
  throw new DemoError(`the sample payment printed no trace id: ${last.slice(0, 200)}`);
}

/**
 * Polls the HTTP API until the trace holds a span called `rootName` (the root, which ends last),
 * for at most `timeoutMs`; false when it did not arrive in time.
 */
async function waitForTrace(apiUrl: string, traceId: string, rootName: string, signal: AbortSignal, timeoutMs = 20_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !signal.aborted) {
    const res = await fetch(`${apiUrl}/api/traces/${traceId}`, { signal }).catch(() => undefined);
    const body = res ? await res.text().catch(() => '') : '';
    if (res?.ok && body.includes(JSON.stringify(rootName))) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/**
 * `tracelight start` plus the demo system: checks what it needs, starts the server, creates the
 * database, starts every service and the load, prints where to look, and on SIGINT/SIGTERM stops
 * the services (while the receivers still take their last spans), then the server.
 */
export async function runDemo(options: DemoOptions, io: Io): Promise<number> {
  const began = performance.now();
  const examples = join(ROOT, 'examples');
  const problems = await preflight(options, examples);
  if (problems.length > 0) {
    for (const p of problems) io.err(`tracelight demo: ${p}`);
    return 1;
  }
  const logDir = join(tmpdir(), `tracelight-demo-${options.basePort}`);
  mkdirSync(logDir, { recursive: true });
  const processes: DemoProcesses = createDemoProcesses({ logDir });
  processes.onUnexpectedExit((child, code) => io.err(`tracelight demo: ${child.name} stopped (${code}); its log: ${child.logFile}`));

  return runStart(options.start, io, {
    stopping: () => processes.stopAll(),
    async ready(server: RunningServer, signal: AbortSignal) {
      const otlp = server.listeners.find((l) => l.name === 'OTLP/HTTP');
      if (!otlp) throw new DemoError('the demo services send OTLP/HTTP, but this configuration has no OTLP/HTTP receiver');
      if (!server.http) throw new DemoError('the demo needs the HTTP API, but it is not listening');
      const uiUrl = `http://${urlHost(server.http.host)}:${server.http.port}`;
      const settings: DemoSettings = {
        basePort: options.basePort,
        otlpHttpUrl: `http://${urlHost(otlp.host)}:${otlp.port}`,
        postgresUrl: options.postgresUrl,
        rabbitmqUrl: options.rabbitmqUrl,
        natsUrl: options.natsUrl,
        providerFailureRate: options.providerFailureRate,
        rate: options.rate,
      };

      io.out(`demo: preparing PostgreSQL (${new URL(options.postgresUrl).pathname.slice(1)})`);
      await processes.run({ name: 'setup', args: [SETUP_SCRIPT], cwd: examples, env: sharedEnv(settings) }, signal);

      io.out(`demo: starting ${DEMO_SERVICES.length} services (logs in ${logDir})`);
      const children = DEMO_SERVICES.map((service) =>
        processes.start(
          {
            name: service.name,
            args: ['--import', '@tracelight/instrument/register', service.script],
            cwd: examples,
            env: serviceEnv(service, settings),
          },
          signal,
        ),
      );
      // Twelve Node processes loading the OpenTelemetry SDK at once: ~10 s on two busy cores.
      await allReady(children, SERVICE_START_TIMEOUT_MS);
      io.out(`demo: services up after ${seconds(began)}`);

      const gateway = `http://127.0.0.1:${options.basePort}`;
      const sample = parseSample(await processes.run({ name: 'sample', args: [SAMPLE_SCRIPT], cwd: examples, env: sharedEnv(settings) }, signal));
      const found = await waitForTrace(uiUrl, sample.traceId, 'POST /process-payment', signal);
      if (signal.aborted) throw new DemoError('interrupted');

      if (options.rate > 0) {
        const load = processes.start({ name: 'load', args: [LOAD_SCRIPT], cwd: examples, env: sharedEnv(settings), stopFirst: true }, signal);
        await load.ready;
      }

      io.out('');
      io.out(`Tracelight demo: ${DEMO_SERVICES.length} services${options.rate > 0 ? `, ${options.rate} requests/s of load` : ', no load (--no-load)'}; ready after ${seconds(began)}`);
      // The UI routes in the URL's fragment (#/trace/<id>), so links work without server routes.
      io.out(`  UI            ${uiUrl}/`);
      io.out(`  sample trace  ${uiUrl}/#/trace/${sample.traceId}${found ? '' : ' (its spans may take a few more seconds to arrive)'}`);
      io.out(`                a payment (${sample.status}): where did its time go? (the critical path runs through the provider)`);
      io.out(`  slowest       ${uiUrl}/#/search?service=payments-gateway&sort=duration-desc`);
      io.out(`  service map   ${uiUrl}/#/map`);
      io.out(`  monitor       ${uiUrl}/#/monitor`);
      io.out(`  payments      POST ${gateway}/process-payment  (gateway → auth → PostgreSQL → provider → PostgreSQL → fraud model)`);
      io.out(`  bands         GET  http://127.0.0.1:${options.basePort + 10}/bands/1  (bands → reviews → PostgreSQL)`);
      io.out(`  chain         GET  http://127.0.0.1:${options.basePort + 20}/chain  (chain → itself, chain-io, chain-cpu)`);
      io.out(`  jobs          POST http://127.0.0.1:${options.basePort + 30}/jobs  (first → second → third, over NATS and RabbitMQ)`);
      io.out(`  service logs  ${logDir}/<service>.log (also in the UI, beside each trace)`);
      if (options.rate === 0) {
        io.out(`  try           curl -X POST ${gateway}/process-payment -H 'authorization: Bearer ${sample.token}' \\`);
        io.out(`                     -H 'content-type: application/json' -d '{"amountCents": 1250, "card": "4242424242424242"}'`);
      }
    },
  });
}
