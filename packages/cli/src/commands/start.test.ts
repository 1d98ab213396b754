import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { parseStartArgs } from './start.js';

describe('parseStartArgs', () => {
  it('has defaults that match DESIGN.md', () => {
    expect(parseStartArgs([])).toEqual({
      kind: 'run',
      options: {
        host: '127.0.0.1',
        otlpGrpcPort: 4317,
        otlpHttpPort: 4318,
        httpPort: 16686,
        maxBodyBytes: 20 * 1024 * 1024,
        store: 'duckdb',
        dataDir: './tracelight-data',
        zipkinPort: 9411,
        metricsPort: 8888,
        spanMetricsPort: 8889,
        samplingPort: 5778,
        given: [],
      },
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const parsed = parseStartArgs(['--host', '0.0.0.0', '--otlp-grpc-port=1', '--otlp-http-port', '2', '--http-port', '3', '--max-body-bytes', '4MiB', '--memory']);
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        host: '0.0.0.0',
        otlpGrpcPort: 1,
        otlpHttpPort: 2,
        httpPort: 3,
        maxBodyBytes: 4 * 1024 * 1024,
        store: 'memory',
        dataDir: './tracelight-data',
        zipkinPort: 9411,
        metricsPort: 8888,
        spanMetricsPort: 8889,
        samplingPort: 5778,
        given: ['--host', '--otlp-grpc-port', '--otlp-http-port', '--max-body-bytes'],
      },
    });
    expect(parseStartArgs(['--config', 'x.yaml', '--zipkin-port', '5', '--metrics-port=6'])).toMatchObject({
      options: { config: 'x.yaml', zipkinPort: 5, metricsPort: 6, given: ['--zipkin-port', '--metrics-port'] },
    });
    expect(parseStartArgs(['--max-body-bytes', '1000'])).toMatchObject({ options: { maxBodyBytes: 1000 } });
    expect(parseStartArgs(['--max-body-bytes', '2kb'])).toMatchObject({ options: { maxBodyBytes: 2000 } });
    expect(parseStartArgs(['--store', 'clickhouse://127.0.0.1:8123/traces?cluster=main', '--data-dir', '/tmp/x'])).toMatchObject({
      options: { store: 'clickhouse://127.0.0.1:8123/traces?cluster=main', dataDir: '/tmp/x' },
    });
  });

  it('turns every mistake into one message', () => {
    expect(parseStartArgs(['--nope'])).toEqual({ kind: 'error', message: "unknown option '--nope'" });
    expect(parseStartArgs(['extra'])).toEqual({ kind: 'error', message: "unexpected argument 'extra' (start takes only options)" });
    expect(parseStartArgs(['--host'])).toEqual({ kind: 'error', message: "Option '--host <value>' argument missing" });
    const many = parseStartArgs(['--otlp-http-port', '65536', '--http-port', 'x1', '--max-body-bytes', '0', '--store', 'sqlite']);
    expect(many.kind).toBe('error');
    if (many.kind === 'error') {
      expect(many.message).toContain('--otlp-http-port must be a port number from 0 to 65535 (got "65536")');
      expect(many.message).toContain('--http-port must be a port number');
      expect(many.message).toContain('--max-body-bytes must be a positive size');
      expect(many.message).toContain('--store must be duckdb, memory, or clickhouse://host:port/database[?cluster=name] (got "sqlite")');
      expect(many.message.split('\n')).toHaveLength(1);
    }
    expect(parseStartArgs(['--memory', '--store', 'other']).kind).toBe('error');
    expect(parseStartArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseStartArgs(['-h'])).toEqual({ kind: 'help' });
  });
});

describe('main', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  };

  it('exit codes: 0 for help, 2 for usage errors', async () => {
    let c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('Usage: tracelight <command>');
    c = capture();
    expect(await main([], c.io)).toBe(2);
    c = capture();
    expect(await main(['start', '--bogus'], c.io)).toBe(2);
    expect(c.err[0]).toBe("tracelight start: unknown option '--bogus'");
    expect(c.err[1]).toBe("Run 'tracelight start --help' for the options.");
    c = capture();
    expect(await main(['serve'], c.io)).toBe(2);
    expect(c.err[0]).toBe('tracelight: unknown command "serve"');
  });
});
