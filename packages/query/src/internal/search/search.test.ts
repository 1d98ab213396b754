import type { Span } from '@tracelight/core';
import { describe, expect, it } from 'vitest';
import { shop } from '../../../../../test/fixtures/index.js';
import { spanMatches } from './evaluate.js';
import { parseQuery } from './expr.js';
import { planSearch } from './plan.js';

const t1 = shop(0n).traces.t1;
const span = (id: string): Span => t1.find((s) => s.spanId.endsWith(id))!;

describe('parseQuery', () => {
  it('reads precedence: NOT binds tighter than AND, AND than OR', () => {
    expect(() => parseQuery('a.x=1')).toThrow(/unknown field 'a.x'/);
    expect(parseQuery('service=a OR service=b service=c')).toEqual({
      op: 'or',
      args: [
        { op: 'compare', field: { type: 'intrinsic', name: 'service' }, cmp: '=', value: { type: 'string', value: 'a' } },
        {
          op: 'and',
          args: [
            { op: 'compare', field: { type: 'intrinsic', name: 'service' }, cmp: '=', value: { type: 'string', value: 'b' } },
            { op: 'compare', field: { type: 'intrinsic', name: 'service' }, cmp: '=', value: { type: 'string', value: 'c' } },
          ],
        },
      ],
    });
    expect(parseQuery('not service=a and service=b')).toMatchObject({ op: 'and', args: [{ op: 'not' }, { op: 'compare' }] });
  });

  it('reads quoted keys and values, numbers in canonical form, and blank queries', () => {
    expect(parseQuery('span."key with spaces" = "a \\"b\\""')).toEqual({
      op: 'compare',
      field: { type: 'attr', scope: 'span', key: 'key with spaces' },
      cmp: '=',
      value: { type: 'string', value: 'a "b"' },
    });
    expect(parseQuery('attr.n = 1e3')).toMatchObject({ value: { type: 'number', text: '1000' } });
    expect(parseQuery('attr.n = 500.0')).toMatchObject({ value: { type: 'number', text: '500' } });
    expect(parseQuery('attr.n = 9223372036854775807')).toMatchObject({ value: { type: 'number', text: '9223372036854775807', int: 9223372036854775807n } });
    expect(parseQuery('   ')).toBeUndefined();
  });

  it('bounds what it accepts', () => {
    expect(() => parseQuery('('.repeat(40) + 'service=a' + ')'.repeat(40))).toThrow(/nested deeper/);
    expect(() => parseQuery(Array.from({ length: 200 }, (_, i) => `service=s${i}`).join(' OR '))).toThrow(/more than 128 conditions/);
    expect(() => parseQuery('x'.repeat(10_000))).toThrow(/longer than/);
  });
});

describe('planSearch', () => {
  it('pushes an AND of equalities to the store, exactly', () => {
    const plan = planSearch(parseQuery('service=checkout name=charge kind=client status=error span.rpc.system=grpc duration>=10ms duration<1s'));
    expect(plan.exact).toBe(true);
    expect(plan.branches).toEqual([
      {
        exact: true,
        query: {
          serviceName: 'checkout',
          operationName: 'charge',
          spanKind: 3,
          errorOnly: true,
          attributes: [{ key: 'rpc.system', value: 'grpc', scope: 'span' }],
          durationMinNano: 10_000_000n,
          durationMaxNano: 999_999_999n,
        },
      },
    ]);
  });

  it('splits OR into branches and keeps what the store cannot check as a residue', () => {
    const plan = planSearch(parseQuery('(service=a OR service=b) AND NOT status=error AND attr.n > 3'));
    expect(plan.exact).toBe(false);
    expect(plan.branches.map((b) => b.query)).toEqual([{ serviceName: 'a' }, { serviceName: 'b' }]);
    // NOT (a OR b) = NOT a AND NOT b: one branch with nothing the store can use.
    expect(planSearch(parseQuery('NOT (service=a OR service=b)')).branches).toEqual([{ query: {}, exact: false }]);
  });

  it('drops branches that can never match', () => {
    expect(planSearch(parseQuery('duration > 2s AND duration < 1s OR service=x')).branches).toEqual([{ query: { serviceName: 'x' }, exact: true }]);
  });
});

describe('spanMatches', () => {
  const q = (text: string, id: string) => spanMatches(parseQuery(text), span(id));
  it('evaluates intrinsics, attributes by scope, numbers, presence and negation', () => {
    expect(q('service=frontend kind=server', '001')).toBe(true);
    expect(q('kind=client', '001')).toBe(false);
    expect(q('span.http.response.status_code = 200', '001')).toBe(true);
    expect(q('span.http.response.status_code > 199.5', '001')).toBe(true);
    expect(() => q('span.http.response.status_code > "199"', '001')).toThrow(/compare numbers/);
    expect(q('span.enduser.id != 42', '001')).toBe(false);
    expect(q('span.missing != 42', '001')).toBe(false); // != needs the attribute
    expect(q('NOT span.missing = 42', '001')).toBe(true);
    expect(q('has(resource.host.name)', '001')).toBe(true);
    expect(q('has(span.host.name)', '001')).toBe(false);
    expect(q('event.cache.key = sku-42', '007')).toBe(true);
    expect(q('span.payment.amount >= 12.5 AND span.payment.amount < 13', '005')).toBe(true);
    expect(q('scope = "@opentelemetry/instrumentation-http"', '005')).toBe(true);
    expect(q('duration = 46ms', '005')).toBe(true);
  });
});
