import type { ExportResult, InstrumentationScope, Resource, SpanBatch } from '@tracelight/core';
import { concatSpanBatches, EXPORT_OK, exportFailure, filterSpans, randomnessOf, SpanBatchBuilder, TracelightError, traceIdHex } from '@tracelight/core';
import type { ComponentFactory } from '../../component.js';
import { consume } from '../../consumer.js';
import { duration, num, object, parseConfig } from '../../internal/schema.js';
import { sampleBatch } from '../probabilistic-sampler/probabilistic-sampler-processor.js';
import type { Processor, ProcessorDeps } from '../processor.js';
import type { Policy, PolicyConfig, TraceView } from './policies.js';
import { checkPolicies, createPolicy, policiesParser } from './policies.js';

export interface TailSamplingConfig {
  /** How long after its first span a trace is decided. Default 10s. */
  readonly decision_wait: number;
  /** Traces held at most; past it the oldest is decided early. Default 50,000. */
  readonly num_traces: number;
  /**
   * Spans held at most (undecided, plus kept ones waiting to be sent on); past it requests are
   * refused with a retryable QUEUE_FULL. Default 500,000.
   */
  readonly max_spans: number;
  /** Decisions remembered so that late spans follow their trace's decision. Default 100,000. */
  readonly decision_cache_size: number;
  /** A trace is kept when any policy, tried in order, keeps it. */
  readonly policies: readonly PolicyConfig[];
}

const schema = object<TailSamplingConfig>(
  {
    decision_wait: duration({ min: 1 }),
    num_traces: num({ min: 1, integer: true }),
    max_spans: num({ min: 1, integer: true }),
    decision_cache_size: num({ min: 0, integer: true }),
    policies: policiesParser,
  },
  { decision_wait: 10_000, num_traces: 50_000, max_spans: 500_000, decision_cache_size: 100_000 },
);

interface PendingTrace {
  readonly builder: SpanBatchBuilder;
  readonly resources: Map<Resource, number>;
  readonly scopes: Map<InstrumentationScope, number>;
  readonly firstSeenMs: number;
  randomness: bigint;
  minStart: bigint;
  maxEnd: bigint;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Keeps whole traces by policy: spans are held per trace for `decision_wait` after the trace's
 * first span, then the policies decide for the trace as a whole (errors, latency, attributes, a
 * rate limit, a probabilistic baseline, `and` combinations). Memory is bounded by `num_traces`
 * (the oldest trace is decided early) and `max_spans` (requests are refused, retryably).
 *
 * Acknowledgement (ADR 0003): a request is acknowledged once its spans are held in this bounded
 * buffer, not after the decision (a client cannot wait `decision_wait`). Kept spans are then sent
 * on with retries until the next stage commits them; a crash loses undecided and unsent traces.
 */
export const tailSamplingProcessorFactory: ComponentFactory<TailSamplingConfig, ProcessorDeps, Processor> = {
  kind: 'processor',
  type: 'tail_sampling',
  signals: ['traces'],
  defaultConfig: () => parseConfig(schema, { policies: [{ name: 'all', type: 'always_sample' }] }, 'processors.tail_sampling'),
  validateConfig(config, path = 'processors.tail_sampling') {
    const c = parseConfig(schema, config, path);
    checkPolicies(c.policies, `${path}.policies`);
    return c;
  },
  create(config, deps) {
    const policies: Policy[] = config.policies.map(createPolicy);
    const traces = new Map<string, PendingTrace>();
    const decided = new Map<string, boolean>();
    let outbox: SpanBatch[] = [];
    let bufferedSpans = 0;
    let outboxSpans = 0;
    let sending: Promise<void> | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let retryDelay = RETRY_MIN_MS;
    let ticker: NodeJS.Timeout | undefined;
    let stopped = false;
    const labels = { processor: deps.id, pipeline: deps.pipeline };
    const decisions = deps.telemetry.counter('tracelight_tail_sampling_decisions_total', 'Traces decided by the tail sampler, by policy that kept them (or none) and decision.');
    const early = deps.telemetry.counter('tracelight_tail_sampling_early_decisions_total', 'Traces decided before decision_wait because num_traces was reached or the collector stopped.');
    const dropped = deps.telemetry.counter('tracelight_processor_dropped_spans_total', 'Spans a processor dropped on purpose (filtered, sampled out), by reason.');
    deps.telemetry.gaugeFunc('tracelight_tail_sampling_buffered_spans', 'Spans the tail sampler holds: undecided, and kept but not yet sent on.', () => [
      { labels: { ...labels, state: 'undecided' }, value: bufferedSpans },
      { labels: { ...labels, state: 'to_send' }, value: outboxSpans },
    ]);
    deps.telemetry.gaugeFunc('tracelight_tail_sampling_buffered_traces', 'Undecided traces the tail sampler holds.', () => [{ labels, value: traces.size }]);

    const remember = (traceId: string, keep: boolean) => {
      if (config.decision_cache_size === 0) return;
      decided.delete(traceId);
      decided.set(traceId, keep);
      if (decided.size > config.decision_cache_size) decided.delete(decided.keys().next().value!);
    };

    const send = () => {
      if (sending || outbox.length === 0 || retryTimer) return;
      const batches = outbox;
      outbox = [];
      const batch = concatSpanBatches(batches);
      sending = consume(deps.next, 'traces', batch).then((result) => {
        sending = undefined;
        if (result.ok || !result.retryable) {
          outboxSpans -= batch.length;
          retryDelay = RETRY_MIN_MS;
          if (!result.ok) dropped.add(batch.length, { ...labels, reason: 'export_failed' });
          send();
          return;
        }
        // Pressure downstream: keep the spans (they were acknowledged) and try again later.
        outbox.unshift(batch);
        const wait = Math.min(RETRY_MAX_MS, Math.max(retryDelay, result.error.retryAfterMs ?? 0));
        retryDelay = Math.min(RETRY_MAX_MS, retryDelay * 2);
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          send();
        }, wait);
      });
    };

    const decide = (traceId: string, t: PendingTrace, nowMs: number) => {
      traces.delete(traceId);
      const batch = t.builder.finish();
      bufferedSpans -= batch.length;
      const view: TraceView = { batch, durationNano: Number(t.maxEnd - t.minStart), randomness: t.randomness };
      let keptBy: string | undefined;
      let threshold: bigint | undefined;
      for (const p of policies) {
        const v = p.evaluate(view, nowMs);
        if (v === false) continue;
        if (v === 'sample') {
          keptBy = p.name;
          threshold = undefined;
          break;
        }
        // Kept by chance: go on, a later policy may keep it for sure (then it carries no threshold).
        if (keptBy === undefined) {
          keptBy = p.name;
          threshold = v.threshold;
        }
      }
      decisions.add(1, { ...labels, policy: keptBy ?? 'none', decision: keptBy ? 'sampled' : 'not_sampled' });
      remember(traceId, keptBy !== undefined);
      if (keptBy === undefined) {
        dropped.add(batch.length, { ...labels, reason: 'sampled_out' });
        return;
      }
      const out = threshold === undefined ? batch : sampleBatch(batch, threshold).batch;
      outbox.push(out);
      outboxSpans += out.length;
    };

    const tick = () => {
      const now = performance.now();
      for (const [id, t] of traces) {
        if (now - t.firstSeenMs < config.decision_wait) break; // in order of first arrival
        decide(id, t, now);
      }
      send();
    };

    const decideAll = () => {
      const now = performance.now();
      for (const [id, t] of traces) {
        early.add(1, labels);
        decide(id, t, now);
      }
    };

    return {
      async start() {
        ticker ??= setInterval(tick, Math.min(1000, Math.max(10, config.decision_wait / 10)));
        ticker.unref();
      },
      async shutdown() {
        if (stopped) return;
        stopped = true;
        clearInterval(ticker);
        decideAll();
        // Send what was kept, waiting out retries for a while (the next stage is still up).
        const deadline = performance.now() + 10_000;
        while ((outbox.length > 0 || sending || retryTimer) && performance.now() < deadline) {
          send();
          await (sending ?? new Promise((r) => setTimeout(r, 50)));
        }
        clearTimeout(retryTimer);
      },
      async consumeTraces(batch): Promise<ExportResult> {
        if (stopped) return exportFailure(new TracelightError('SHUTTING_DOWN', 'the collector is shutting down', { retryable: true }));
        if (bufferedSpans + outboxSpans + batch.length > config.max_spans && bufferedSpans + outboxSpans > 0) {
          return exportFailure(
            new TracelightError('QUEUE_FULL', `the tail sampler holds ${bufferedSpans + outboxSpans} spans (max_spans ${config.max_spans}); retry later`, {
              retryable: true,
            }),
          );
        }
        const now = performance.now();
        const late: number[] = [];
        let lateDropped = 0;
        for (let i = 0; i < batch.length; i++) {
          const id = traceIdHex(batch, i);
          const earlier = decided.get(id);
          if (earlier !== undefined) {
            // The trace was decided already: its late spans follow that decision.
            if (earlier) late.push(i);
            else lateDropped++;
            continue;
          }
          let t = traces.get(id);
          if (!t) {
            if (traces.size >= config.num_traces) {
              const [oldId, old] = traces.entries().next().value!;
              early.add(1, labels);
              decide(oldId, old, now);
            }
            t = {
              builder: new SpanBatchBuilder(),
              resources: new Map(),
              scopes: new Map(),
              firstSeenMs: now,
              randomness: randomnessOf(batch.traceId, i * 16, batch.traceState[i]),
              minStart: batch.startTimeUnixNano[i],
              maxEnd: batch.endTimeUnixNano[i],
            };
            traces.set(id, t);
          }
          const resource = batch.resources[batch.resourceIndex[i]];
          const scope = batch.scopes[batch.scopeIndex[i]];
          let r = t.resources.get(resource);
          if (r === undefined) t.resources.set(resource, (r = t.builder.addResource(resource)));
          let s = t.scopes.get(scope);
          if (s === undefined) t.scopes.set(scope, (s = t.builder.addScope(scope)));
          t.builder.addFrom(batch, i, r, s);
          if (batch.startTimeUnixNano[i] < t.minStart) t.minStart = batch.startTimeUnixNano[i];
          if (batch.endTimeUnixNano[i] > t.maxEnd) t.maxEnd = batch.endTimeUnixNano[i];
          bufferedSpans++;
        }
        if (lateDropped > 0) dropped.add(lateDropped, { ...labels, reason: 'sampled_out' });
        send();
        if (late.length === 0) return EXPORT_OK;
        // Late spans of a kept trace go straight on; this request waits for their commit.
        const keep = new Set(late);
        return consume(deps.next, 'traces', filterSpans(batch, (_b, i) => keep.has(i)));
      },
    };
  },
};
