import type { Attributes, Sampler } from '@opentelemetry/api';
import { ROOT_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { W3CTraceState } from '../propagation/tracestate.js';
import { createJaegerRemoteSampler, samplerFromStrategy } from './jaeger-remote-sampler.js';
import { createParentBasedSampler, createRateLimitingSampler, createRatioSampler } from './samplers.js';
import { decodeThreshold, encodeThreshold, probabilityToThreshold, thresholdToProbability } from './threshold.js';

function decide(sampler: Sampler, traceId: string, ctx = ROOT_CONTEXT, name = 'op') {
  const attrs: Attributes = {};
  return sampler.shouldSample(ctx, traceId, name, SpanKind.SERVER, attrs, []);
}
const tid = (tail: string) => `${'a'.repeat(32 - tail.length)}${tail}`;

describe('thresholds (OpenTelemetry consistent probability sampling)', () => {
  it('encodes the spec examples', () => {
    expect(encodeThreshold(probabilityToThreshold(1)!)).toBe('0');
    expect(encodeThreshold(probabilityToThreshold(0.5)!)).toBe('8');
    expect(encodeThreshold(probabilityToThreshold(0.25)!)).toBe('c');
    expect(encodeThreshold(probabilityToThreshold(0.01)!)).toMatch(/^fd70a3d70a3d7/);
    expect(probabilityToThreshold(0)).toBeUndefined();
  });

  it('decodes back to the probability', () => {
    expect(thresholdToProbability(decodeThreshold('8')!)).toBe(0.5);
    expect(thresholdToProbability(decodeThreshold('0')!)).toBe(1);
    expect(thresholdToProbability(probabilityToThreshold(0.01)!)).toBeCloseTo(0.01, 12);
    expect(decodeThreshold('xyz')).toBeUndefined();
    expect(decodeThreshold('123456789012345')).toBeUndefined();
  });
});

describe('ratio sampler', () => {
  it('samples exactly the traces whose randomness is at or above the threshold, and records th', () => {
    const s = createRatioSampler(0.5);
    const kept = decide(s, tid('80000000000000'));
    expect(kept.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(kept.traceState?.serialize()).toBe('ot=th:8');
    expect(decide(s, tid('7fffffffffffff')).decision).toBe(SamplingDecision.NOT_RECORD);
  });

  it('keeps about the configured fraction of random trace ids', () => {
    const s = createRatioSampler(0.1);
    let kept = 0;
    for (let i = 0; i < 20000; i++) {
      const id = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
      if (decide(s, id).decision === SamplingDecision.RECORD_AND_SAMPLED) kept++;
    }
    expect(kept / 20000).toBeGreaterThan(0.085);
    expect(kept / 20000).toBeLessThan(0.115);
  });

  it('uses rv from the parent tracestate and updates its own entry in front', () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: tid('00000000000000'),
      spanId: '1234567890abcdef',
      traceFlags: TraceFlags.SAMPLED,
      traceState: new W3CTraceState([['foo', '1'], ['ot', 'rv:ffffffffffffff']]),
      isRemote: true,
    });
    const r = decide(createRatioSampler(0.25), tid('00000000000000'), parent);
    expect(r.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(r.traceState?.serialize()).toBe('ot=rv:ffffffffffffff;th:c,foo=1');
  });

  it('never samples at probability 0', () => {
    expect(decide(createRatioSampler(0), tid('ffffffffffffff')).decision).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('parent-based sampler', () => {
  it('follows the parent and keeps its tracestate; asks the root sampler for new traces', () => {
    const s = createParentBasedSampler({ root: createRatioSampler(1) });
    const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: tid('00000000000001'),
      spanId: '1234567890abcdef',
      traceFlags: TraceFlags.SAMPLED,
      traceState: new W3CTraceState([['ot', 'th:c']]),
      isRemote: true,
    });
    const r = decide(s, tid('00000000000001'), sampledParent);
    expect(r.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(r.traceState).toBeUndefined(); // the SDK then keeps the parent's (th:c)
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: tid('ffffffffffffff'),
      spanId: '1234567890abcdef',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    expect(decide(s, tid('ffffffffffffff'), unsampled).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(s, tid('00000000000000')).traceState?.serialize()).toBe('ot=th:0');
  });
});

describe('rate-limiting sampler', () => {
  it('keeps at most N traces per second and refills over time, without th', () => {
    let now = 0;
    const s = createRateLimitingSampler(2, () => now);
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: tid('1'),
      spanId: '1234567890abcdef',
      traceFlags: TraceFlags.SAMPLED,
      traceState: new W3CTraceState([['ot', 'th:8']]),
    });
    const first = decide(s, tid('1'), parent);
    expect(first.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(first.traceState?.get('ot')).toBeUndefined();
    expect(decide(s, tid('2')).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(s, tid('3')).decision).toBe(SamplingDecision.NOT_RECORD);
    now += 500;
    expect(decide(s, tid('4')).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(s, tid('5')).decision).toBe(SamplingDecision.NOT_RECORD);
  });
});

describe('Jaeger remote sampler', () => {
  let strategy: unknown = { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0 } };
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(strategy));
  });
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/sampling`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('fetches the strategy for its service and follows it when it changes', async () => {
    const s = createJaegerRemoteSampler({ endpoint, serviceName: 'shop', pollingIntervalMs: 60_000, initialSamplingRate: 1 });
    try {
      expect(await s.refresh()).toBe(true);
      expect(requests.at(-1)).toBe('/api/sampling?service=shop');
      expect(decide(s, tid('ffffffffffffff')).decision).toBe(SamplingDecision.NOT_RECORD);
      strategy = {
        strategyType: 'PROBABILISTIC',
        probabilisticSampling: { samplingRate: 0.5 },
        operationSampling: {
          defaultSamplingProbability: 0.5,
          defaultLowerBoundTracesPerSecond: 0,
          perOperationStrategies: [{ operation: 'GET /health', probabilisticSampling: { samplingRate: 0 } }],
        },
      };
      expect(await s.refresh()).toBe(true);
      const kept = decide(s, tid('80000000000000'), ROOT_CONTEXT, 'GET /bands/:id');
      expect(kept.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
      expect(kept.traceState?.serialize()).toBe('ot=th:8');
      expect(decide(s, tid('80000000000000'), ROOT_CONTEXT, 'GET /health').decision).toBe(SamplingDecision.NOT_RECORD);
    } finally {
      s.shutdown();
    }
  });

  it('keeps the current strategy when the endpoint fails', async () => {
    const s = createJaegerRemoteSampler({ endpoint: 'http://127.0.0.1:1/api/sampling', serviceName: 'x', initialSamplingRate: 1 });
    try {
      expect(await s.refresh()).toBe(false);
      expect(decide(s, tid('00000000000000')).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    } finally {
      s.shutdown();
    }
  });

  it('understands rate-limiting strategies, numeric strategy types included', () => {
    const s = samplerFromStrategy({ strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: 1 } })!;
    expect(decide(s, tid('1')).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(s, tid('2')).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(samplerFromStrategy({})).toBeUndefined();
  });
});
