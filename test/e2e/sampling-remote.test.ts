// Jaeger remote sampling against a real Node service: a child process running the OpenTelemetry
// JS SDK with @opentelemetry/sampler-jaeger-remote polls the collector's remote_sampling
// extension, samples with what it is served, and exports over OTLP to the same collector. Shown:
// the SDK adopts the served probability (file mode, per operation, and after the file changes),
// and adaptive mode moves the probability toward target_samples_per_second under steady load.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Collector, RemoteSampling } from '@tracelight/collector';
import { createCollector, remoteSamplingOf } from '@tracelight/collector';
import type { Store } from '@tracelight/store';
import { createMemoryStore } from '@tracelight/store';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'tl-sampling-e2e-'));
const children = new Set<ChildProcess>();
const running: { collector: Collector; store: Store }[] = [];

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const r of running.splice(0)) {
    await r.collector.shutdown();
    await r.store.shutdown();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The instrumented service. Modes: "count" makes COUNT root spans per operation of OPS; "steady"
// makes RATE root spans per second of OPS[0] for DURATION_MS. It prints its sampler once it has
// fetched a strategy, and at the end.
const SERVICE_SCRIPT = `
import { JaegerRemoteSampler } from '@opentelemetry/sampler-jaeger-remote';
import { AlwaysOffSampler, BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind } from '@opentelemetry/api';
const env = process.env;
const sampler = new JaegerRemoteSampler({ endpoint: env.SAMPLING_URL, serviceName: env.SERVICE, poolingInterval: Number(env.POLL_MS), initialSampler: new AlwaysOffSampler() });
// Counts what the exporter reports, so that a lost batch fails the test with its reason.
const exporter = new OTLPTraceExporter({ url: env.OTLP_URL });
const exportOnce = exporter.export.bind(exporter);
const counts = { exported: 0, failed: 0 };
exporter.export = (spans, done) =>
  exportOnce(spans, (result) => {
    if (result.code === 0) counts.exported += spans.length;
    else {
      counts.failed += spans.length;
      console.log('EXPORT FAILED ' + spans.length + ': ' + (result.error?.message ?? result.error));
    }
    done(result);
  });
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': env.SERVICE }),
  sampler,
  spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 100, maxQueueSize: 100000, maxExportBatchSize: 1000 })],
});
const tracer = provider.getTracer('sampling-e2e');
const ops = env.OPS.split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
while (!/TraceIdRatioBased/.test(sampler.toString())) await sleep(20);
console.log('ADOPTED ' + sampler.toString());
if (env.MODE === 'count') {
  for (const op of ops) for (let i = 0; i < Number(env.COUNT); i++) tracer.startSpan(op, { kind: SpanKind.SERVER }).end();
} else {
  const tick = 50;
  const perTick = Number(env.RATE) * tick / 1000;
  const end = Date.now() + Number(env.DURATION_MS);
  let next = Date.now();
  while (Date.now() < end) {
    for (let i = 0; i < perTick; i++) tracer.startSpan(ops[0], { kind: SpanKind.SERVER }).end();
    next += tick;
    await sleep(Math.max(0, next - Date.now()));
  }
}
// shutdown(), not forceFlush(): a batch the processor started on its own (a full batch or its
// timer) is not waited for by forceFlush, and exiting then loses it.
await provider.shutdown();
console.log('EXPORTED ' + counts.exported + ' FAILED ' + counts.failed);
console.log('FINAL ' + sampler.toString());
process.exit(0);
`;

interface ServiceRun {
  readonly adopted: string;
  readonly final: string;
  /** Spans the SDK's exporter reported exported / failed, and the service's output. */
  readonly exported: number;
  readonly failed: number;
  readonly output: string;
}

function runService(env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceRun> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVICE_SCRIPT], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not finish in ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const adopted = /^ADOPTED (.*)$/m.exec(out)?.[1];
      const final = /^FINAL (.*)$/m.exec(out)?.[1];
      const counts = /^EXPORTED (\d+) FAILED (\d+)$/m.exec(out);
      if (code !== 0 || !adopted || !final || !counts) reject(new Error(`the service exited with ${code}:\n${out}\n${err}`));
      else resolve({ adopted, final, exported: Number(counts[1]), failed: Number(counts[2]), output: `${out}\n${err}` });
    });
  });
}

async function startCollector(remoteSampling: unknown, processors: string[] = []) {
  const store = createMemoryStore();
  await store.start();
  const collector = createCollector({
    store,
    config: {
      receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
      processors: Object.fromEntries(processors.map((p) => [p, {}])),
      exporters: { store: {} },
      extensions: { remote_sampling: remoteSampling },
      service: {
        extensions: ['remote_sampling'],
        pipelines: { traces: { receivers: ['otlp'], processors, exporters: ['store'] } },
        telemetry: { metrics: { address: '127.0.0.1:0' } },
      },
    },
  });
  running.push({ collector, store });
  await collector.start();
  const port = (name: string) => collector.listeners().find((l) => l.name === name)!.port;
  return {
    store,
    sampling: remoteSamplingOf(collector) as RemoteSampling,
    env: { SAMPLING_URL: `http://127.0.0.1:${port('sampling')}`, OTLP_URL: `http://127.0.0.1:${port('OTLP/HTTP')}/v1/traces` },
  };
}

async function tracesOf(store: Store, service: string, operation: string): Promise<number> {
  return (await store.findTraceIds({ serviceName: service, operationName: operation, limit: 10_000 })).length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('remote sampling with @opentelemetry/sampler-jaeger-remote', () => {
  it('the SDK samples with the probabilities of the strategies file, per operation, and follows an edit of the file', async () => {
    const file = join(dir, 'strategies.json');
    const write = (p: number) =>
      writeFileSync(
        file,
        JSON.stringify({
          service_strategies: [
            {
              service: 'e2e-sampled',
              type: 'probabilistic',
              param: p,
              operation_strategies: [
                { operation: 'op-all', type: 'probabilistic', param: 1 },
                { operation: 'op-none', type: 'probabilistic', param: 0 },
              ],
            },
          ],
          default_strategy: { type: 'probabilistic', param: 1 },
        }),
      );
    write(0.25);
    const { store, sampling, env } = await startCollector({ http: { endpoint: '127.0.0.1:0' }, file: { path: file, reload_interval: '100ms' } });
    const base = { ...env, SERVICE: 'e2e-sampled', POLL_MS: '100', MODE: 'count', OPS: 'op-default,op-all,op-none', COUNT: '800' };
    const first = await runService(base);
    expect(first.adopted).toContain('TraceIdRatioBased{0.25}');
    expect(first.failed, first.output).toBe(0);
    const waitFor = async (op: string, atLeast: number) => {
      for (let i = 0; i < 100 && (await tracesOf(store, 'e2e-sampled', op)) < atLeast; i++) await sleep(50);
    };
    await waitFor('op-all', 800);
    expect(await tracesOf(store, 'e2e-sampled', 'op-all')).toBe(800);
    expect(await tracesOf(store, 'e2e-sampled', 'op-none')).toBe(0);
    // 800 draws at p = 0.25: mean 200, sd 12.2; the bounds are 5 sd away.
    const defaultFirst = await tracesOf(store, 'e2e-sampled', 'op-default');
    expect(defaultFirst).toBeGreaterThan(139);
    expect(defaultFirst).toBeLessThan(261);

    write(0.75);
    for (let i = 0; i < 100 && sampling.strategyFor('e2e-sampled').operationSampling?.defaultSamplingProbability !== 0.75; i++) await sleep(50);
    expect(sampling.strategyFor('e2e-sampled').operationSampling?.defaultSamplingProbability).toBe(0.75);
    const second = await runService({ ...base, OPS: 'op-default', COUNT: '800' });
    expect(second.adopted).toContain('TraceIdRatioBased{0.75}');
    expect(second.failed, second.output).toBe(0);
    await waitFor('op-default', defaultFirst + 540);
    await sleep(300);
    // 800 draws at p = 0.75: mean 600, sd 12.2.
    const added = (await tracesOf(store, 'e2e-sampled', 'op-default')) - defaultFirst;
    expect(added).toBeGreaterThan(539);
    expect(added).toBeLessThan(661);
  }, 90_000);

  it('adaptive mode moves the served probability toward target_samples_per_second under steady load, and the SDK follows', async () => {
    const target = 20;
    const rate = 200;
    const { store, sampling, env } = await startCollector(
      { http: { endpoint: '127.0.0.1:0' }, adaptive: { target_samples_per_second: target, initial_sampling_probability: 1, calculation_interval: '1s', min_sampling_probability: 0.001 } },
      ['adaptive_sampling'],
    );
    const op = 'GET /steady';
    const served: number[] = [];
    const arrivals: number[] = [];
    let stop = false;
    const watch = (async () => {
      while (!stop) {
        served.push(sampling.adaptive!.probabilityOf('e2e-adaptive', op));
        arrivals.push(await tracesOf(store, 'e2e-adaptive', op));
        await sleep(1000);
      }
    })();
    const run = await runService({ ...env, SERVICE: 'e2e-adaptive', POLL_MS: '100', MODE: 'steady', OPS: op, RATE: String(rate), DURATION_MS: '12000' });
    stop = true;
    await watch;
    // It starts at the initial probability (everything sampled: 200 traces/s)...
    expect(run.adopted).toContain('TraceIdRatioBased{1}');
    expect(served[0]).toBe(1);
    // ...and ends near target / traffic = 0.1, which the SDK uses for that operation.
    const p = sampling.adaptive!.probabilityOf('e2e-adaptive', op);
    expect(p).toBeGreaterThan(0.04);
    expect(p).toBeLessThan(0.25);
    const sdkRatio = Number(new RegExp(`${op.replace('/', '\\/')}=TraceIdRatioBased\\{([0-9.e-]+)\\}`).exec(run.final)?.[1]);
    expect(sdkRatio).toBeGreaterThan(0.04);
    expect(sdkRatio).toBeLessThan(0.25);
    // Sampled traces per second over the last 4 seconds approach the target (200/s without adaptation).
    const n = arrivals.length;
    expect(n).toBeGreaterThan(8);
    const recentRate = (arrivals[n - 1] - arrivals[n - 5]) / 4;
    expect(recentRate).toBeGreaterThan(target * 0.4);
    expect(recentRate).toBeLessThan(target * 2);
    expect(sampling.strategyFor('e2e-adaptive')).toMatchObject({
      strategyType: 'PROBABILISTIC',
      operationSampling: { defaultSamplingProbability: 1, perOperationStrategies: [{ operation: op, probabilisticSampling: { samplingRate: p } }] },
    });
  }, 90_000);
});
