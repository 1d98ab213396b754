import type { AnyValue, Resource, Span } from '@tracelight/core';
import { getAttribute } from '@tracelight/core';
import { formatGoDuration } from './go-duration.js';

export interface AdjustedTrace {
  readonly spans: Span[];
  /** Notes per span id (adjustments made or refused). */
  readonly warnings: Map<string, string[]>;
}

/**
 * Corrects clock skew between hosts the way Jaeger's adjuster does: walking down from the roots,
 * a child on another host (by `host.id`, `host.ip` or `host.name`; spans without any count as
 * different hosts) is shifted so that it fits inside its parent, centred when it is shorter
 * (network latency split evenly between request and response), or so that it does not start
 * before its parent when it is longer. The shift carries on to its descendants on the same host.
 * Start, end and event times move together. Shifts larger than `maxDeltaNano` are not applied,
 * only noted. Works without recursion, so very deep traces are fine.
 */
export function adjustClockSkew(spans: readonly Span[], maxDeltaNano: bigint): AdjustedTrace {
  const warnings = new Map<string, string[]>();
  const warn = (spanId: string, text: string) => {
    const list = warnings.get(spanId);
    if (list) list.push(text);
    else warnings.set(spanId, [text]);
  };
  // Index arrays rather than node objects: a 100k-span trace is adjusted on every trace answer.
  const n = spans.length;
  const indexOf = new Map<string, number>();
  const nodes: number[] = [];
  const host: string[] = new Array<string>(n);
  const hostOf = new Map<Resource, string>();
  for (let i = 0; i < n; i++) {
    const span = spans[i];
    if (indexOf.has(span.spanId)) {
      warn(span.spanId, 'duplicate span IDs; skipping clock skew adjustment');
      continue;
    }
    indexOf.set(span.spanId, i);
    nodes.push(i);
    let h = hostOf.get(span.resource);
    if (h === undefined) hostOf.set(span.resource, (h = hostKey(span.resource)));
    host[i] = h;
  }
  // Children as one flat list per parent (CSR over span indexes).
  const up = new Int32Array(n).fill(-1);
  const first = new Int32Array(n + 1);
  const roots: number[] = [];
  for (const i of nodes) {
    const span = spans[i];
    const p = span.parentSpanId === '' ? undefined : indexOf.get(span.parentSpanId);
    if (p !== undefined && p !== i) {
      up[i] = p;
      first[p + 1]++;
    } else {
      if (span.parentSpanId !== '') warn(span.spanId, `parent span ID=${span.parentSpanId} is not in the trace; skipping clock skew adjustment`);
      roots.push(i);
    }
  }
  for (let i = 0; i < n; i++) first[i + 1] += first[i];
  const children = new Int32Array(n);
  const fill = first.slice(0, n);
  for (const i of nodes) if (up[i] >= 0) children[fill[up[i]]++] = i;

  const out = spans.slice();
  const visited = new Uint8Array(n);
  // The stack in parallel arrays: a span index, the host and skew inherited from above; the
  // parent's (already adjusted) span is out[up[i]].
  const stackNode: number[] = [];
  const stackHost: string[] = [];
  const stackDelta: bigint[] = [];
  for (const r of roots) {
    stackNode.push(r);
    stackHost.push(host[r]);
    stackDelta.push(0n);
  }
  while (stackNode.length > 0) {
    const i = stackNode.pop()!;
    const inheritedHost = stackHost.pop()!;
    let delta = stackDelta.pop()!;
    if (visited[i]) continue; // parent cycles: each span is adjusted once
    visited[i] = 1;
    let h = inheritedHost;
    const original = spans[i];
    const parent = up[i] >= 0 ? out[up[i]] : undefined;
    if (parent && (host[i] !== inheritedHost || host[i] === '')) {
      h = host[i];
      delta = skewOf(original, parent);
    }
    if (delta !== 0n) {
      const abs = delta < 0n ? -delta : delta;
      if (abs > maxDeltaNano) {
        warn(
          original.spanId,
          maxDeltaNano === 0n
            ? `clock skew adjustment disabled; not applying calculated delta of ${formatGoDuration(delta)}`
            : `max clock skew adjustment delta of ${formatGoDuration(maxDeltaNano)} exceeded; not applying calculated delta of ${formatGoDuration(delta)}`,
        );
      } else if (original.startTimeUnixNano + delta >= 0n) {
        out[i] = shift(original, delta);
        warn(original.spanId, `This span's timestamps were adjusted by ${formatGoDuration(delta)}`);
      }
    }
    for (let k = first[i]; k < first[i + 1]; k++) {
      stackNode.push(children[k]);
      stackHost.push(h);
      stackDelta.push(delta);
    }
  }
  // Spans caught in a parent cycle are never reached from a root; they stay as they are.
  return { spans: out, warnings };
}

function hostKey(resource: Resource): string {
  const id = getAttribute(resource.attributes, 'host.id');
  if (typeof id === 'string' && id !== '') return id;
  const ip: AnyValue | undefined = getAttribute(resource.attributes, 'host.ip');
  if (typeof ip === 'string' && ip !== '') return ip;
  if (Array.isArray(ip) && ip.length > 0 && typeof ip[0] === 'string') return ip[0];
  const name = getAttribute(resource.attributes, 'host.name');
  return typeof name === 'string' ? name : '';
}

function skewOf(child: Span, parent: Span): bigint {
  const parentDuration = parent.endTimeUnixNano - parent.startTimeUnixNano;
  const childDuration = child.endTimeUnixNano - child.startTimeUnixNano;
  if (childDuration > parentDuration) {
    // Async work or a parent that timed out: the best we can say is "not before the parent".
    return child.startTimeUnixNano < parent.startTimeUnixNano ? parent.startTimeUnixNano - child.startTimeUnixNano : 0n;
  }
  if (child.startTimeUnixNano >= parent.startTimeUnixNano && child.endTimeUnixNano <= parent.endTimeUnixNano) return 0n;
  const latency = (parentDuration - childDuration) / 2n;
  return parent.startTimeUnixNano + latency - child.startTimeUnixNano;
}

function shift(span: Span, delta: bigint): Span {
  return {
    ...span,
    startTimeUnixNano: span.startTimeUnixNano + delta,
    endTimeUnixNano: span.endTimeUnixNano + delta,
    events: span.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano + delta })),
  };
}
