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
  interface Node {
    index: number;
    host: string;
    children: Node[];
  }
  const nodes = new Map<string, Node>();
  const hostOf = new Map<Resource, string>();
  spans.forEach((span, index) => {
    if (nodes.has(span.spanId)) {
      warn(span.spanId, 'duplicate span IDs; skipping clock skew adjustment');
      return;
    }
    let host = hostOf.get(span.resource);
    if (host === undefined) hostOf.set(span.resource, (host = hostKey(span.resource)));
    nodes.set(span.spanId, { index, host, children: [] });
  });
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const span = spans[node.index];
    const parent = span.parentSpanId === '' ? undefined : nodes.get(span.parentSpanId);
    if (parent && parent !== node) {
      parent.children.push(node);
    } else {
      if (span.parentSpanId !== '') warn(span.spanId, `parent span ID=${span.parentSpanId} is not in the trace; skipping clock skew adjustment`);
      roots.push(node);
    }
  }

  const out = spans.slice();
  const visited = new Set<Node>();
  // Stack entries: a node, its (already adjusted) parent span, and the skew inherited from above.
  const stack: { node: Node; parent: Span | undefined; host: string; delta: bigint }[] = roots.map((node) => ({
    node,
    parent: undefined,
    host: node.host,
    delta: 0n,
  }));
  while (stack.length > 0) {
    const { node, parent, host: inheritedHost, delta: inherited } = stack.pop()!;
    if (visited.has(node)) continue; // parent cycles: each span is adjusted once
    visited.add(node);
    let host = inheritedHost;
    let delta = inherited;
    const original = spans[node.index];
    if (parent && (node.host !== inheritedHost || node.host === '')) {
      host = node.host;
      delta = skewOf(original, parent);
    }
    let adjusted = original;
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
        adjusted = shift(original, delta);
        out[node.index] = adjusted;
        warn(original.spanId, `This span's timestamps were adjusted by ${formatGoDuration(delta)}`);
      }
    }
    for (const child of node.children) stack.push({ node: child, parent: adjusted, host, delta });
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
