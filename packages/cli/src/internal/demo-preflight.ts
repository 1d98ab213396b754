import { createServer, connect } from 'node:net';

/**
 * What `tracelight demo` checks before it starts anything, so a missing database or a busy port
 * is one clear line instead of a stack trace from a child process.
 */

/** Resolves undefined when `host:port` can be listened on, else the error code (EADDRINUSE, EACCES…). */
export function probeListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Resolves undefined when something accepts a TCP connection on `host:port`, else the error code. */
export function probeConnect(host: string, port: number, timeoutMs = 3_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
  });
}

export interface Dependency {
  /** For people: `PostgreSQL`. */
  readonly name: string;
  readonly url: string;
  readonly defaultPort: number;
  /** The demo flag that points elsewhere. */
  readonly flag: string;
  /** How people usually start it. */
  readonly startHint: string;
}

/** One line per dependency that does not answer. */
export async function checkDependencies(deps: readonly Dependency[]): Promise<string[]> {
  const problems = await Promise.all(
    deps.map(async (dep) => {
      let url: URL;
      try {
        url = new URL(dep.url);
      } catch {
        return `${dep.flag} ${JSON.stringify(dep.url)} is not a URL`;
      }
      const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
      const port = url.port === '' ? dep.defaultPort : Number(url.port);
      const problem = await probeConnect(host, port);
      if (problem === undefined) return undefined;
      return `${dep.name} is not answering on ${host}:${port} (${problem}). Start it (${dep.startHint}), or point the demo at another with ${dep.flag} <url>.`;
    }),
  );
  return problems.filter((p): p is string => p !== undefined);
}

/** One line naming every port of `ports` that is taken, or undefined; `hint` says what to do about them. */
export async function checkPorts(
  host: string,
  ports: readonly { port: number; name: string }[],
  hint: (takenCount: number) => string,
): Promise<string | undefined> {
  const results = await Promise.all(ports.map(async (p) => ({ ...p, problem: await probeListen(host, p.port) })));
  const taken = results.filter((r) => r.problem !== undefined);
  if (taken.length === 0) return undefined;
  const list = taken.map((t) => `${t.port} (${t.name}${t.problem === 'EADDRINUSE' ? '' : `: ${t.problem}`})`).join(', ');
  return `${taken.length === 1 ? 'port' : 'ports'} ${list} on ${host} ${taken.length === 1 ? 'is' : 'are'} already in use; ${hint(taken.length)}`;
}
