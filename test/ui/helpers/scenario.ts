// The shop scenario the browser tests look at: a checkout trace in a fast and a slow variant (for
// comparison), a failing cart request, an order consumer linked to the checkout, and a handful of
// health checks (for the scatter plot and the Monitor page). Times are exact, so what the UI shows
// can be asserted: see EXPECTED.
import { SpanKind } from '@opentelemetry/api';
import type { SentTrace, SpanPlan, TraceSender } from './otel-traces.js';

const http = (method: string, route: string, status: number) => ({ 'http.request.method': method, 'http.route': route, 'http.response.status_code': status });

export function checkoutPlan(variant: 'fast' | 'slow'): SpanPlan {
  const slow = variant === 'slow';
  return {
    service: 'frontend',
    name: 'GET /checkout',
    kind: SpanKind.SERVER,
    start: 0,
    end: slow ? 1000 : 400,
    attributes: { ...http('GET', '/checkout', 200), 'app.variant': variant, 'enduser.id': 'u-1234' },
    ref: 'root',
    children: [
      {
        service: 'frontend',
        name: 'POST checkout',
        kind: SpanKind.CLIENT,
        start: 10,
        end: slow ? 950 : 380,
        attributes: { 'server.address': 'checkout', 'http.request.method': 'POST' },
        children: [
          {
            service: 'checkout',
            name: 'POST /checkout',
            kind: SpanKind.SERVER,
            start: 20,
            end: slow ? 940 : 370,
            attributes: http('POST', '/checkout', 200),
            children: [
              { service: 'checkout', name: 'db SELECT cart', kind: SpanKind.CLIENT, start: 30, end: 80, attributes: { 'db.system': 'postgresql', 'db.query.text': 'SELECT * FROM cart WHERE user_id = $1' } },
              // In parallel with the query and done before it: not on the critical path.
              ...(slow ? [] : [{ service: 'checkout', name: 'cache GET cart', kind: SpanKind.CLIENT, start: 40, end: 60, ref: 'cache', attributes: { 'db.system': 'redis' } }]),
              {
                service: 'checkout',
                name: 'POST payment',
                kind: SpanKind.CLIENT,
                start: 90,
                end: slow ? 870 : 300,
                children: [
                  {
                    service: 'payment',
                    name: 'POST /charge',
                    kind: SpanKind.SERVER,
                    start: 100,
                    end: slow ? 860 : 290,
                    ref: 'charge',
                    attributes: { ...http('POST', '/charge', 200), 'payment.amount': 42.5, 'payment.currency': 'EUR' },
                    events: [{ name: 'card.authorized', at: slow ? 850 : 200, attributes: { 'card.network': 'visa' } }],
                    children: [
                      { service: 'payment', name: 'db INSERT payments', kind: SpanKind.CLIENT, start: 120, end: 200, attributes: { 'db.system': 'postgresql' } },
                      ...(slow ? [{ service: 'payment', name: 'fraud check', kind: SpanKind.INTERNAL, start: 300, end: 800, attributes: { 'fraud.score': 0.12 } }] : []),
                    ],
                  },
                ],
              },
              ...(slow
                ? []
                : [
                    {
                      service: 'checkout',
                      name: 'send confirmation',
                      kind: SpanKind.PRODUCER,
                      start: 310,
                      end: 360,
                      children: [{ service: 'email', name: 'deliver confirmation', kind: SpanKind.CONSUMER, start: 320, end: 350 }],
                    },
                  ]),
            ],
          },
        ],
      },
      { service: 'frontend', name: 'render page', kind: SpanKind.INTERNAL, start: slow ? 952 : 382, end: slow ? 990 : 398 },
    ],
  };
}

export function cartErrorPlan(): SpanPlan {
  const cart: SpanPlan = {
    service: 'cart',
    name: 'GET /cart/items',
    kind: SpanKind.SERVER,
    start: 10,
    end: 100,
    error: 'redis timeout',
    attributes: http('GET', '/cart/items', 500),
    events: [
      {
        name: 'exception',
        at: 99,
        attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'redis GET timed out after 75ms', 'exception.stacktrace': 'TimeoutError: redis GET timed out\n    at Redis.get (/app/cart.js:42)' },
      },
    ],
    children: [{ service: 'cart', name: 'redis GET', kind: SpanKind.CLIENT, start: 20, end: 95, error: 'timeout', attributes: { 'db.system': 'redis' } }],
  };
  return {
    service: 'frontend',
    name: 'GET /cart',
    kind: SpanKind.SERVER,
    start: 0,
    end: 120,
    attributes: http('GET', '/cart', 500),
    error: 'upstream failed',
    children: [
      {
        service: 'frontend',
        name: 'GET cart',
        kind: SpanKind.CLIENT,
        start: 5,
        end: 105,
        attributes: { 'server.address': 'cart', 'http.request.method': 'GET', 'http.response.status_code': 500 },
        children: [cart],
      },
    ],
  };
}

export function orderConsumerPlan(linkTo: { traceId: string; spanId: string }): SpanPlan {
  return {
    service: 'orders',
    name: 'process order',
    kind: SpanKind.CONSUMER,
    start: 0,
    end: 50,
    links: [{ traceId: linkTo.traceId, spanId: linkTo.spanId, attributes: { 'link.reason': 'payment completed' } }],
    children: [{ service: 'orders', name: 'db UPDATE orders', kind: SpanKind.CLIENT, start: 5, end: 45, attributes: { 'db.system': 'postgresql' } }],
  };
}

export function healthPlan(ms: number, failed: boolean): SpanPlan {
  return { service: 'frontend', name: 'GET /health', kind: SpanKind.SERVER, start: 0, end: ms, attributes: http('GET', '/health', failed ? 503 : 200), error: failed ? 'not ready' : undefined };
}

export interface Scenario {
  readonly fast: SentTrace;
  readonly slow: SentTrace;
  readonly cartError: SentTrace;
  readonly order: SentTrace;
  readonly health: SentTrace[];
}

/** What the fast checkout trace must show (see checkoutPlan). */
export const EXPECTED = {
  fastSpans: 11,
  slowSpans: 9,
  fastDepth: 6,
  /** Critical-path time per service in the fast trace, ms (worked out by hand from the plan). */
  fastCriticalMs: { frontend: 50, checkout: 130, payment: 190, email: 30 },
  services: ['cart', 'checkout', 'email', 'frontend', 'orders', 'payment'],
} as const;

/** Sends the scenario; traces start within the last 20 minutes so "last hour" finds them all. */
export async function sendScenario(sender: TraceSender, nowMs = Date.now()): Promise<Scenario> {
  const base = nowMs - 20 * 60_000;
  const fast = await sender.send(checkoutPlan('fast'), base);
  const slow = await sender.send(checkoutPlan('slow'), base + 60_000);
  const cartError = await sender.send(cartErrorPlan(), base + 120_000);
  const order = await sender.send(orderConsumerPlan({ traceId: fast.traceId, spanId: fast.refs.get('charge')! }), base + 130_000);
  const health: SentTrace[] = [];
  for (let i = 0; i < 8; i++) health.push(await sender.send(healthPlan(2 + i * 3, i === 5), base + 180_000 + i * 60_000));
  return { fast, slow, cartError, order, health };
}
