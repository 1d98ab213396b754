import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spanBatchFromSpans } from '@tracelight/core';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSpan } from '../connectors/internal/test-spans.js';
import { createMetricsRegistry } from '../telemetry/metrics-registry.js';
import { createRemoteSampling, remoteSamplingExtensionFactory } from './remote-sampling-extension.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-sampling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const make = (config: unknown) => createRemoteSampling(remoteSamplingExtensionFactory.validateConfig(config), { id: 'remote_sampling', telemetry: createMetricsRegistry() });

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('remote_sampling extension', () => {
  it('serves one probability for everyone by default, on /api/sampling, /sampling and /', async () => {
    const ext = make({ http: { endpoint: '127.0.0.1:0' } });
    await ext.start();
    try {
      const port = ext.listeners()[0].port;
      for (const path of ['/api/sampling?service=a', '/sampling?service=a', '/?service=a']) {
        const r = await get(port, path);
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body)).toEqual({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 1 } });
      }
      expect((await get(port, '/api/sampling')).status).toBe(400);
      expect((await get(port, '/nope?service=a')).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/api/sampling?service=a`, { method: 'POST' })).status).toBe(405);
    } finally {
      await ext.shutdown();
    }
    expect(remoteSamplingExtensionFactory.defaultConfig().http.endpoint).toEqual({ host: '127.0.0.1', port: 5778 });
  });

  it('answers from a strategies file and reloads it when it changes, keeping the last good one on a bad edit', async () => {
    const path = join(dir, 'strategies.json');
    writeFileSync(path, JSON.stringify({ service_strategies: [{ service: 'a', type: 'probabilistic', param: 0.25 }], default_strategy: { type: 'probabilistic', param: 0.5 } }));
    const ext = make({ http: { endpoint: '127.0.0.1:0' }, file: { path, reload_interval: 0 } });
    await ext.start();
    try {
      expect(ext.strategyFor('a').probabilisticSampling?.samplingRate).toBe(0.25);
      expect(ext.strategyFor('z').probabilisticSampling?.samplingRate).toBe(0.5);
      expect(await ext.reload()).toBe(false); // unchanged
      writeFileSync(path, JSON.stringify({ service_strategies: [{ service: 'a', type: 'probabilistic', param: 0.75 }] }));
      expect(await ext.reload()).toBe(true);
      expect(JSON.parse((await get(ext.listeners()[0].port, '/sampling?service=a')).body).probabilisticSampling.samplingRate).toBe(0.75);
      writeFileSync(path, '{"service_strategies": [{"service": "a", "param": 9}]}   ');
      expect(await ext.reload()).toBe(false);
      expect(ext.strategyFor('a').probabilisticSampling?.samplingRate).toBe(0.75);
    } finally {
      await ext.shutdown();
    }
  });

  it('fails at start on a missing or bad file, and on contradictory settings at validation', async () => {
    await expect(make({ http: { endpoint: '127.0.0.1:0' }, file: { path: join(dir, 'missing.json') } }).start()).rejects.toThrow(/cannot read strategies file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"default_strategy": {"type": "probabilistic", "param": -1}}');
    await expect(make({ http: { endpoint: '127.0.0.1:0' }, file: { path: bad } }).start()).rejects.toThrow(/default_strategy\.param/);
    expect(() => remoteSamplingExtensionFactory.validateConfig({ file: { path: bad }, adaptive: {} })).toThrow(/either file or adaptive/);
    expect(() => remoteSamplingExtensionFactory.validateConfig({ adaptive: { target_samples_per_second: 0 } })).toThrow(/target_samples_per_second/);
  });

  it('in adaptive mode counts root spans per service and operation and adjusts on its interval', async () => {
    const ext = make({ http: { endpoint: '127.0.0.1:0' }, adaptive: { target_samples_per_second: 5, initial_sampling_probability: 1, calculation_interval: '200ms' } });
    await ext.start();
    try {
      const roots = Array.from({ length: 100 }, () => makeSpan({ service: 'api', name: 'GET /a' }));
      const child = makeSpan({ service: 'api', name: 'inner', parentSpanId: '00000000000000aa' });
      ext.observe(spanBatchFromSpans([...roots, child]));
      await new Promise((r) => setTimeout(r, 320));
      const p = ext.adaptive!.probabilityOf('api', 'GET /a');
      expect(p).toBeLessThan(0.5);
      expect(p).toBeGreaterThan(0.001);
      const served = ext.strategyFor('api');
      expect(served.operationSampling?.perOperationStrategies.map((o) => o.operation)).toEqual(['GET /a']);
    } finally {
      await ext.shutdown();
    }
  });
});
