import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on an ephemeral loopback port; returns the base URL. (Test support.) */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function close(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** `fetch` from the test itself, not traced, so the headers it sends are exactly the given ones. */
export function untracedFetch(url: string, init?: RequestInit): Promise<Response> {
  return context.with(suppressTracing(context.active()), () => fetch(url, init));
}

interface SpanLike {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string };
}

/**
 * Asserts `chain` is one trace where each span is the parent of the next; returns a readable
 * description of what was found when not (for the assertion message).
 */
export function describeChain(chain: readonly (SpanLike | undefined)[]): string {
  const problems: string[] = [];
  chain.forEach((span, i) => {
    if (!span) problems.push(`#${i} missing`);
  });
  if (problems.length > 0) return problems.join('; ');
  const spans = chain as SpanLike[];
  const traceId = spans[0].spanContext().traceId;
  for (let i = 0; i < spans.length; i++) {
    if (spans[i].spanContext().traceId !== traceId) problems.push(`#${i} ${spans[i].name} in another trace`);
    if (i > 0 && spans[i].parentSpanContext?.spanId !== spans[i - 1].spanContext().spanId) {
      problems.push(`#${i} ${spans[i].name} is not a child of ${spans[i - 1].name}`);
    }
  }
  return problems.length === 0 ? 'ok' : problems.join('; ');
}
