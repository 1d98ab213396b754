/**
 * One payment through the gateway, as `tracelight demo` makes it at start to have a trace to show:
 * prints `{"traceId", "status", "token"}` (the trace id from the gateway's `traceresponse` header).
 */
import { demoConfig } from '#shared/config';
import { makeToken } from '#shared/tokens';

const config = demoConfig();
const token = makeToken(config.tokenSecret, 1);
const res = await fetch(`${config.gatewayUrl}/process-payment`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ amountCents: 1250, currency: 'EUR', card: '4242424242424242' }),
});
await res.arrayBuffer();
const traceId = /^00-([0-9a-f]{32})-/.exec(res.headers.get('traceresponse') ?? '')?.[1];
if (!traceId) {
  console.error(`the gateway answered ${res.status} without a traceresponse header: is it instrumented?`);
  process.exit(1);
}
console.log(JSON.stringify({ traceId, status: res.status, token }));
