import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS, parseDemoArgs } from './demo.js';

describe('parseDemoArgs', () => {
  it('defaults: the documented ports and URLs, start defaults underneath', () => {
    const r = parseDemoArgs([]);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.options).toMatchObject({ ...DEMO_DEFAULTS });
    expect(r.options.start.httpPort).toBe(16686);
  });

  it("takes its own flags in both spellings and passes start's flags on", () => {
    const r = parseDemoArgs(['--rate=7', '--base-port', '21000', '--http-port', '0', '--memory', '--nats', 'nats://10.0.0.1:4223', '--failure-rate', '0']);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.options).toMatchObject({ rate: 7, basePort: 21000, natsUrl: 'nats://10.0.0.1:4223', providerFailureRate: 0 });
    expect(r.options.start).toMatchObject({ httpPort: 0, store: 'memory' });
  });

  it('--no-load is rate 0', () => {
    const r = parseDemoArgs(['--no-load']);
    expect(r.kind === 'run' && r.options.rate).toBe(0);
  });

  it('help, and every mistake in one line', () => {
    expect(parseDemoArgs(['-h']).kind).toBe('help');
    const message = (args: string[]) => {
      const r = parseDemoArgs(args);
      return r.kind === 'error' ? r.message : `not an error: ${r.kind}`;
    };
    expect(message(['--rate', 'fast'])).toMatch(/^--rate must be a number of requests per second/);
    expect(message(['--base-port', '65530'])).toMatch(/^--base-port must be a port from 1024 to 65505/);
    expect(message(['--rabbitmq', 'http://x'])).toMatch(/^--rabbitmq must be an amqp:\/\/ URL/);
    expect(message(['--otlp-http-port', 'x'])).toMatch(/--otlp-http-port must be a port number/);
    expect(message(['--rate', '0', '--failure-rate', '-1'])).toMatch(/^--rate .*; --failure-rate /);
  });
});
