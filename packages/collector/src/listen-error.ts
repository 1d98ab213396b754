import { TracelightError } from '@tracelight/core';

/** host:port, with brackets around an IPv6 address. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A component could not listen. Code `ADDRESS_IN_USE` when the port is taken, `LISTEN_FAILED`
 * otherwise; the message is one line a person can act on, and `component`, `host` and `port` let
 * a caller word its own (the CLI names the flag to change).
 */
export class ListenError extends TracelightError {
  readonly component: string;
  readonly host: string;
  readonly port: number;

  constructor(component: string, host: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const inUse = code === 'EADDRINUSE' || /address already in use|EADDRINUSE/i.test(detail);
    super(
      inUse ? 'ADDRESS_IN_USE' : 'LISTEN_FAILED',
      inUse ? `${component}: port ${port} on ${host} is already in use` : `${component}: cannot listen on ${formatHostPort(host, port)}: ${detail}`,
      { cause },
    );
    this.name = 'ListenError';
    this.component = component;
    this.host = host;
    this.port = port;
  }
}
